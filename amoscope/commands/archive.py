"""``amoscope archive``: check the archive offline (verify, head, prove), make signing keys, compact."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import sqlalchemy as sa

from amoscope.commands import parse_duration
from amoscope.runtime import open_engine
from amoscope.settings import SettingsError
from etl.compact import compact as compact_tables
from etl.signing import generate_keypair
from warehouse.archive.anchors import Anchor, newest_anchor
from warehouse.archive.checkpoint import read_newest_checkpoint
from warehouse.archive.errors import ArchiveError
from warehouse.archive.layout import ARCHIVED_TABLES
from warehouse.archive.proof import build_proof, check_proof
from warehouse.archive.signatures import load_public_key
from warehouse.archive.storage import open_store
from warehouse.archive.verify import verify_archive


def _trusted_key(settings, public_key: Path | None):
    """The key signatures are checked with: --public-key, else the configured signing key's."""
    if public_key is not None:
        return load_public_key(public_key)
    if settings.signing_key_path:
        private = Path(settings.signing_key_path)
        return load_public_key(private if private.exists() else Path(f"{private}.pub"))
    return None


def _database_anchor(settings) -> tuple[Anchor | None, str]:
    """The newest checkpoint hash the operational database records, or None and why not."""
    database = settings.database_url
    if database.startswith("sqlite:///") and not Path(database.removeprefix("sqlite:///")).exists():
        return None, f"the operational database {database} does not exist"
    try:
        engine = open_engine(settings, pool_size=1)
    except SettingsError as error:
        return None, f"the operational database cannot be reached ({error})"
    try:
        anchor = newest_anchor(engine)
    except sa.exc.DBAPIError as error:
        return None, f"the operational database holds no checkpoints ({str(error).splitlines()[0]})"
    finally:
        engine.dispose()
    return anchor, "the operational database records no checkpoint yet"


def _parse_anchor(value: str | None) -> Anchor | None:
    if value is None:
        return None
    if not re.fullmatch(r"[0-9a-f]{64}", value.strip().lower()):
        raise click.BadParameter("expected the 64 hex digits of a checkpoint's SHA-256 "
                                 "(shown by 'amoscope archive head')", param_hint="--anchor")
    return Anchor(value.strip().lower())


@click.group()
def archive() -> None:
    """Verify, prove and maintain the Parquet archive (AMOSCOPE_ARCHIVE_URL)."""


@archive.command()
@click.option("--table", "tables", multiple=True, type=click.Choice(sorted(ARCHIVED_TABLES)),
              help="Verify only this table (repeatable).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Check files and rows of manifests from this day on (the chain is always checked).")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Ed25519 public key (PEM) every manifest must be signed with "
                   "(default: that of AMOSCOPE_SIGNING_KEY_PATH, if set).")
@click.option("--max-age", default=None,
              help="Also fail if the newest checkpoint, or a table's newest manifest, is older than this, "
                   "e.g. 65m: a little more than AMOSCOPE_ETL_HEARTBEAT_MINUTES catches removed newest "
                   "manifests and checkpoints while the ETL runs.")
@click.option("--anchor", default=None, metavar="SHA256",
              help="SHA-256 of a checkpoint kept outside the archive (from 'amoscope archive head'); "
                   "default: the newest one the operational database records.")
@click.pass_obj
def verify(settings, tables: tuple[str, ...], since, public_key: Path | None, max_age: str | None,
           anchor: str | None) -> None:
    """Re-check files, SHA-256, schemas, Merkle roots, the chains, cursor contiguity, signatures,
    and that nothing the trusted checkpoint records is missing.

    Prints every problem with the file or manifest at fault; exits 1 if there is any.
    """
    store = open_store(settings.archive_url, s3_endpoint_url=settings.s3_endpoint_url)
    key = _trusted_key(settings, public_key)
    trusted = _parse_anchor(anchor)
    why_not = ""
    if trusted is None:
        trusted, why_not = _database_anchor(settings)
    report = verify_archive(store, tables=list(tables) or None,
                            since=since.date() if since else None, public_key=key,
                            max_age=parse_duration(max_age) if max_age else None, anchor=trusted)
    for problem in report.problems:
        click.echo(f"PROBLEM {problem}")
    if trusted is None:
        click.echo(f"WARNING: no anchor ({why_not}): completeness was checked against the newest "
                   "checkpoint in the archive only, which whoever removed batches could remove too. "
                   "Pass --anchor SHA256 from a record kept elsewhere ('amoscope archive head').")
    if key is None:
        click.echo("WARNING: no public key: signatures were NOT checked, so a consistent rewrite of "
                   "the archive goes unnoticed here. Pass --public-key KEY.pub.")
    checked = [f"against checkpoint {trusted.sha256[:12]}… from {trusted.source}" if trusted else "",
               "signatures checked" if key else "signatures NOT checked"]
    summary = (f"{report.tables} tables, {report.manifests} manifests, {report.checkpoints} checkpoints, "
               f"{report.files} files, {report.rows} rows checked, " + ", ".join(filter(None, checked)))
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} problem(s) found; {summary}")
    click.echo(f"OK: {summary}")


@archive.command()
@click.pass_obj
def head(settings) -> None:
    """Show the archive's newest checkpoint: its SHA-256 (the anchor to keep elsewhere) and
    every table's head manifest, and whether the operational database records it."""
    store = open_store(settings.archive_url, s3_endpoint_url=settings.s3_endpoint_url)
    try:
        newest = read_newest_checkpoint(store)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    if newest is None:
        raise click.ClickException(f"{store.url} has no checkpoint yet; 'amoscope etl run' writes one")
    checkpoint = newest.checkpoint
    signed = f"signed by key {checkpoint.signature.get('key_id')}" if checkpoint.signature else "unsigned"
    click.echo(f"checkpoint {checkpoint.seq} ({newest.path}), committed {checkpoint.created_at}, {signed}")
    click.echo(f"sha256 {newest.sha256}")
    anchor, why_not = _database_anchor(settings)
    if anchor is None:
        click.echo(f"database: {why_not}")
    elif anchor.sha256 == newest.sha256:
        click.echo("database: records this checkpoint")
    else:
        click.echo(f"database: records checkpoint {anchor.seq} (sha256 {anchor.sha256}), not this one: "
                   "run 'amoscope archive verify'")
    click.echo(f"{'table':24} {'manifests':>9}  {'cursor':<24} head sha256")
    for name, table_head in checkpoint.tables.items():
        cursor = ",".join(map(str, table_head.cursor))
        click.echo(f"{name:24} {table_head.seq:>9}  {cursor:<24} {table_head.sha256}")


@archive.command()
@click.argument("event_id", required=False)
@click.option("--table", default="audit_events", type=click.Choice(["audit_events", "activity_events"]),
              show_default=True, help="The event table the event is in.")
@click.option("--check", "proof_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Check a saved proof offline instead of making one.")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="With --check: also check the manifest's signature with this key.")
@click.pass_obj
def prove(settings, event_id: str | None, table: str, proof_file: Path | None,
          public_key: Path | None) -> None:
    """Print the inclusion proof of EVENT_ID (JSON), or check one with --check FILE."""
    if proof_file is not None:
        try:
            document = json.loads(proof_file.read_text())
        except (OSError, ValueError) as error:
            raise click.ClickException(f"{proof_file} is not a readable proof: {error}") from None
        problems = check_proof(document, load_public_key(public_key) if public_key else None)
        for problem in problems:
            click.echo(f"PROBLEM {problem}")
        if problems:
            raise click.ClickException("the proof does not hold")
        click.echo(f"OK: {document['table']} {document['key']} is row {document['leaf_index'] + 1} of "
                   f"{document['leaf_count']} in {document['manifest_path']} "
                   f"(sha256 {document['manifest_sha256']})")
        return
    if not event_id:
        raise click.UsageError("give an EVENT_ID, or --check FILE")
    store = open_store(settings.archive_url, s3_endpoint_url=settings.s3_endpoint_url)
    click.echo(json.dumps(build_proof(store, event_id, table=table), indent=2, sort_keys=True))


@archive.command()
@click.option("--table", "tables", multiple=True, type=click.Choice(sorted(ARCHIVED_TABLES)),
              help="Compact only this table (repeatable).")
@click.pass_obj
def compact(settings, tables: tuple[str, ...]) -> None:
    """Merge small files month by month; no row, and no verification result, changes."""
    engine = open_engine(settings)
    results = compact_tables(settings.etl, engine, list(tables) or None)
    for result in results:
        if result.replaced:
            click.echo(f"{result.table}: {result.replaced} files merged into {result.written}")
    click.echo(f"compacted {sum(1 for r in results if r.replaced)} table(s)")


@archive.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keygen(path: Path) -> None:
    """Make an Ed25519 key pair for signing manifests: PATH (private, 0600) and PATH.pub.

    Point AMOSCOPE_SIGNING_KEY_PATH at PATH on the ETL host; give PATH.pub to auditors.
    """
    public_path, key_id = generate_keypair(path)
    click.echo(f"private key {path}\npublic key  {public_path}\nkey id      {key_id}")
