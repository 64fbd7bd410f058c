"""``amoscope archive``: check the archive offline (verify, prove), make signing keys, compact."""

from __future__ import annotations

import json
from pathlib import Path

import click

from amoscope.commands import parse_duration
from amoscope.runtime import open_engine
from etl.compact import compact as compact_tables
from etl.signing import generate_keypair
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
              help="Also fail a table whose newest manifest is older than this, e.g. 65m: a little more "
                   "than AMOSCOPE_ETL_HEARTBEAT_MINUTES catches a removed newest manifest while the "
                   "ETL runs.")
@click.pass_obj
def verify(settings, tables: tuple[str, ...], since, public_key: Path | None, max_age: str | None) -> None:
    """Re-check files, SHA-256, Merkle roots, the chain, cursor contiguity and signatures.

    Prints every problem with the file or manifest at fault; exits 1 if there is any.
    """
    store = open_store(settings.archive_url, s3_endpoint_url=settings.s3_endpoint_url)
    key = _trusted_key(settings, public_key)
    report = verify_archive(store, tables=list(tables) or None,
                            since=since.date() if since else None, public_key=key,
                            max_age=parse_duration(max_age) if max_age else None)
    for problem in report.problems:
        click.echo(f"PROBLEM {problem}")
    summary = (f"{report.tables} tables, {report.manifests} manifests, {report.files} files, "
               f"{report.rows} rows checked{', signatures checked' if key else ''}")
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} problem(s) found; {summary}")
    click.echo(f"OK: {summary}")


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
