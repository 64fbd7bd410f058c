"""The archive console sandbox (SECURITY-CHECKLIST E40–E47): escapes refused, limits enforced, audited."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from warehouse.console import Console, check_single_select, encode_for_log
from warehouse.errors import ConsoleBusy, ConsoleError, ConsoleRefused, ConsoleTimeout
from warehouse.events import RequestContext
from warehouse.schema import audit_events

AUDITOR = RequestContext(actor_user_id=42, actor_role="auditor", auth_method="SESSION")
CANARY = "TOP-SECRET-CANARY"


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file() and not path.is_symlink()
    }


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict:
    from tests.warehouse.conftest import console_archive  # the same builder, module-scoped

    return console_archive.__wrapped__(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="module")
def console(archive, module_pg_engine):
    console = Console(archive["root"], archive["tables"], audit_engine=module_pg_engine,
                      row_limit=100, timeout_seconds=1.5, memory_limit="256MB", threads=2)
    yield console
    console.close()


def _console_events(engine) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_events)
            .where(audit_events.c.action == "CONSOLE_QUERY")
            .order_by(audit_events.c.id)
        ).mappings().all()
    return [dict(row) for row in rows]


def test_console_reads_archive_views(console):
    result = console.query("SELECT action, count(*) AS n FROM audit_events GROUP BY action ORDER BY action",
                           context=AUDITOR)
    assert result.to_pandas().to_dict("records") == [
        {"action": "CREATE", "n": 100}, {"action": "STATE_CHANGE", "n": 100}, {"action": "UPDATE", "n": 100}]
    assert result.truncated is False
    assert console.views == ["activity_events", "audit_events"]


# ── E40–E44: the escape corpus ─────────────────────────────────────────────────────────────
FILE_READS = [  # E40
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_json('/etc/hostname')",
    "SELECT * FROM read_json_auto('/etc/hostname')",
    "SELECT * FROM read_ndjson('/etc/hostname')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_text('file:///etc/passwd')",
    "SELECT * FROM read_text(['/etc/hostname', '/etc/passwd'])",
    "SELECT * FROM read_text('/proc/self/environ')",
    "SELECT * FROM read_text('~/.bash_history')",
    "SELECT * FROM read_text('{root}/../outside/secret.txt')",
    "SELECT * FROM read_text('{root}/data/../../outside/secret.txt')",
    "SELECT * FROM glob('{root}/../*')",
    "SELECT * FROM read_parquet('{outside}/secret.parquet')",
    "SELECT * FROM '{outside}/secret.parquet'",
    "SELECT * FROM parquet_metadata('{outside}/secret.parquet')",
    "SELECT * FROM parquet_schema('{outside}/secret.parquet')",
    "SELECT * FROM read_text('{root}/link_to_secret.txt')",  # symlink inside the archive, pointing out
    "SELECT * FROM read_parquet('{root}/linkdir/secret.parquet')",  # directory symlink pointing out
    "SELECT * FROM read_text('{root}/linkdir/secret.txt')",
    "SELECT 1 UNION ALL SELECT length(content) FROM read_text('/etc/passwd')",
]
WRITES = [  # E41
    "COPY (SELECT 1) TO '{root}/evil.csv'",
    "COPY audit_events TO '{root}/data/audit_events/000000000099-000.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '{root}/dump'",
    "CREATE TABLE stolen AS SELECT * FROM audit_events",
    "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO m() AS 1",
    "INSERT INTO audit_events SELECT * FROM audit_events",
    "UPDATE audit_events SET action = 'X'",
    "DELETE FROM audit_events",
    "DROP VIEW audit_events",
    "ATTACH '{root}/evil.duckdb' AS evil (READ_WRITE)",
    "ATTACH ':memory:' AS scratch",
    "CHECKPOINT",
    "SELECT * FROM query('COPY (SELECT 1) TO ''{root}/q.csv''')",
]
NETWORK = [  # E42
    "SELECT * FROM read_parquet('http://169.254.169.254/latest/meta-data/x.parquet')",
    "SELECT * FROM read_parquet('s3://amo-archive/prod/x.parquet')",
    "SELECT * FROM read_csv('https://example.com/x.csv')",
    "INSTALL httpfs",
    "LOAD shellfs",
    "INSTALL postgres",
    "FORCE INSTALL httpfs FROM community",
    "ATTACH 'dbname=postgres host=127.0.0.1 user=postgres' AS pg (TYPE postgres)",
    "SELECT * FROM postgres_scan('host=127.0.0.1 user=postgres', 'public', 'users')",
]
SETTINGS = [  # E43
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "SET memory_limit = '100GB'",
    "SET threads = 512",
    "SET GLOBAL allowed_directories = ['/']",
    "SET python_enable_replacements = true",
    "RESET enable_external_access",
    "PRAGMA enable_profiling",
    "PRAGMA database_list",
    "CALL pragma_version()",
]
SMUGGLING = [  # E44
    "SELECT 1; COPY (SELECT 1) TO '{root}/x.csv'",
    "SELECT 1; SET lock_configuration = false",
    "SELECT 1 /* ; */ ; ATTACH ':memory:' AS x",
    "SELECT '--'; DROP VIEW audit_events",
    "SELECT 1 -- comment\n; INSTALL httpfs",
    "/* SELECT */ COPY (SELECT 1) TO '{root}/y.csv'",
    "SELECT 1;\u037e INSTALL httpfs",
    "WITH x AS (SELECT 1) COPY (SELECT 1) TO '{root}/z.csv'",
    "EXPLAIN ANALYZE SELECT 1",
    "SELECT 1\u00a0; LOAD httpfs",
    "SELECT 1; SELECT 2",
    "",
    ";",
    "   -- only a comment",
    "SELECT 1\x00; INSTALL httpfs",
]
CORPUS = FILE_READS + WRITES + NETWORK + SETTINGS + SMUGGLING


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 50


def _run_refused(console, archive, payload: str) -> str:
    sql = payload.format(root=archive["root"], outside=archive["outside"])
    with pytest.raises(ConsoleError) as raised:
        result = console.query(sql, context=AUDITOR)
        pytest.fail(f"payload succeeded: {sql!r} -> {result.table.to_pylist()[:3]}")
    message = str(raised.value)
    assert CANARY not in message
    assert len(message) > 15
    return message


@pytest.mark.parametrize("payload", FILE_READS)
def test_console_file_read_escape(console, archive, payload):
    _run_refused(console, archive, payload)


@pytest.mark.parametrize("payload", WRITES)
def test_console_write_tamper(console, archive, payload):
    _run_refused(console, archive, payload)


@pytest.mark.parametrize("payload", NETWORK)
def test_console_network_and_extensions(console, archive, payload):
    _run_refused(console, archive, payload)


@pytest.mark.parametrize("payload", SETTINGS)
def test_console_settings_escape(console, archive, payload):
    message = _run_refused(console, archive, payload)
    assert "only SELECT" in message


@pytest.mark.parametrize("payload", SMUGGLING)
def test_console_multi_statement_smuggling(console, archive, payload):
    _run_refused(console, archive, payload)


def test_console_archive_unchanged_after_corpus(archive, module_pg_engine):
    """Run the whole corpus on a fresh console; no file of the archive changes or appears."""
    before = _hashes(archive["root"])
    console = Console(archive["root"], archive["tables"], audit_engine=module_pg_engine, timeout_seconds=5)
    try:
        for payload in CORPUS:
            sql = payload.format(root=archive["root"], outside=archive["outside"])
            with pytest.raises(ConsoleError):
                console.query(sql, context=AUDITOR)
    finally:
        console.close()
    assert _hashes(archive["root"]) == before


def test_console_sandbox_holds_without_statement_check(console, archive):
    """Second layer: even a statement that got past the parser check meets a locked sandbox."""
    cursor = console._connection.cursor()
    for statement in ("SET enable_external_access = true", "SET lock_configuration = false",
                      "SET memory_limit = '100GB'", "INSTALL httpfs"):
        with pytest.raises(Exception, match="(?i)lock|disabled|permission|extension"):
            cursor.execute(statement)
    with pytest.raises(Exception, match="(?i)disabled by configuration"):
        cursor.execute(f"SELECT * FROM read_text('{archive['outside']}/secret.txt')")


# ── E45: resource exhaustion ───────────────────────────────────────────────────────────────
def test_console_huge_result_is_capped(console):
    started = time.monotonic()
    result = console.query("SELECT * FROM range(1000000000000)", context=AUDITOR)
    assert result.row_count == 100 and result.truncated is True
    assert time.monotonic() - started < 1.5  # streamed and cut, not computed to the end


def test_console_exact_row_limit_is_not_truncated(console):
    result = console.query("SELECT * FROM range(100)", context=AUDITOR)
    assert result.row_count == 100 and result.truncated is False


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM range(1000000000000)",
    "SELECT count(*) FROM range(100000) a CROSS JOIN range(100000) b CROSS JOIN range(1000) c",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r",
    "SELECT sum(length(repeat('x', 1000))) FROM range(1000000000000)",
])
def test_console_endless_query_interrupted(console, sql):
    started = time.monotonic()
    with pytest.raises(ConsoleError, match="longer than|more memory") as raised:
        console.query(sql, context=AUDITOR)
    assert time.monotonic() - started < 1.5 + 5
    if "longer than" in str(raised.value):
        assert isinstance(raised.value, ConsoleTimeout)


def test_console_concurrent_queries_per_user(console):
    """A third simultaneous query of one user is refused; another user is not held up."""
    errors: list[BaseException] = []

    def slow():
        try:
            console.query("SELECT count(*) FROM range(1000000000000)", context=AUDITOR)
        except ConsoleError as error:
            errors.append(error)

    threads = [threading.Thread(target=slow) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.4)
    with pytest.raises(ConsoleBusy, match="2 console queries running"):
        console.query("SELECT 1", context=AUDITOR)
    other = RequestContext(actor_user_id=43, actor_role="auditor")
    assert console.query("SELECT 1 AS one", context=other).table.to_pylist() == [{"one": 1}]
    for thread in threads:
        thread.join()
    assert len(errors) == 2 and all(isinstance(e, ConsoleTimeout) for e in errors)
    assert console.query("SELECT 2 AS two", context=AUDITOR).row_count == 1


# ── E46: secrets ───────────────────────────────────────────────────────────────────────────
def test_console_secrets_hidden(console, module_pg_engine):
    assert console.query("SELECT * FROM duckdb_secrets()", context=AUDITOR).row_count == 0
    settings = console.query("SELECT name, value FROM duckdb_settings()", context=AUDITOR)
    text = str(settings.table.to_pylist())
    assert module_pg_engine.url.database not in text
    assert "postgres" not in text.lower()


def test_console_python_variables_not_scanned(console):
    audit_engine_secret = {"password": CANARY}  # noqa: F841 - a local a replacement scan could find
    with pytest.raises(ConsoleRefused, match="does not exist"):
        console.query("SELECT * FROM audit_engine_secret", context=AUDITOR)


# ── E47: every query audited ───────────────────────────────────────────────────────────────
def test_console_queries_are_audited(console, module_pg_engine):
    before = len(_console_events(module_pg_engine))
    console.query("SELECT id\r\nFROM audit_events\nLIMIT 3", context=AUDITOR, amo_id=None)
    with pytest.raises(ConsoleRefused):
        console.query("COPY (SELECT 1) TO 'x.csv'", context=AUDITOR)
    with pytest.raises(ConsoleRefused):
        console.query("SELECT * FROM no_such_table", context=AUDITOR)
    events = _console_events(module_pg_engine)[before:]
    assert [(e["outcome"], e["actor_user_id"], e["actor_role"]) for e in events] == [
        ("SUCCESS", 42, "auditor"), ("DENIED", 42, "auditor"), ("DENIED", 42, "auditor")]
    first = events[0]["after"]
    assert first["sql"] == "SELECT id\\r\\nFROM audit_events\\nLIMIT 3"
    assert first["row_count"] == 3 and first["truncated"] is False and first["duration_ms"] >= 0
    assert "\n" not in events[1]["after"]["sql"] and events[1]["after"]["error"].startswith("only SELECT")


def test_encode_for_log_truncates_and_escapes():
    assert encode_for_log("a\\b\r\nc") == "a\\\\b\\r\\nc"
    assert encode_for_log("a\x00b\tc") == "a\\x00b\\x09c"
    assert encode_for_log("x" * 5000, 10) == "x" * 10 + "…"


@pytest.mark.parametrize("sql", ["SELECT 1", "FROM audit_events", "WITH a AS (SELECT 1) SELECT * FROM a",
                                 "SELECT 1; ", "VALUES (1), (2)", "  select 1 -- trailing comment"])
def test_check_single_select_accepts_plain_queries(sql):
    check_single_select(sql)
