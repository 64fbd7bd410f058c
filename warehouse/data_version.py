"""The data version: a cheap marker that moves when domain data is written, and only then.

Figures computed from the warehouse (a cockpit's KPI snapshot) stay right for as long as the
data they were computed from has not changed. The data version says whether it has, in one
statement over indexes, read before the figures are computed. It moves when:

* a record is inserted or updated (each record table's ``change_txid``, set on every write);
* a domain event is written: an activity event, a ledger row (part movements, tool usage) or
  an audit event of anything but :data:`OBSERVATIONS`;
* the ETL commits an archive checkpoint (a new archive head, recorded in ``archive_checkpoints``).

It does not move for the audit events that only record someone looking or signing in
(:data:`OBSERVATIONS`): otherwise every page view would invalidate every cached figure. The
one record write of a sign-in, ``users.last_login_at``, is left out with them: the ``users``
table is followed through its audit events, since every other change of a user is audited
(created, disabled, role set, password changed...). A figure that reads ``last_login_at`` (the
admin department's dormant accounts) must therefore not be cached on this marker.

Late commits. On PostgreSQL the markers are transaction ids assigned at a transaction's start,
so a transaction that started before the newest visible write but commits after it would not
move the maximum. While any transaction older than that maximum is in progress, the version
therefore also carries the commit horizon (:data:`warehouse.database.HORIZON_SQL`), which moves
as soon as those transactions end. The hot-tail reads stop at the same horizon, so a figure
computed under a version never lacks a row that the version counts. SQLite has one writer and
per-table counters, so the maxima alone are exact there.

The marker covers the whole deployment (every AMO): a write for one AMO moves every AMO's
version, which costs a recomputation but never serves a stale figure. Reading it takes no
transaction id and writes nothing.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.database import HORIZON_SQL, is_postgres
from warehouse.schema import APPEND_ONLY_TABLES, MUTABLE_TABLES, archive_checkpoints, metadata

# Audit actions that record someone looking, exporting or signing in: they change no figure.
OBSERVATIONS = frozenset({
    "VIEW", "EXPORT", "DOWNLOAD", "CONSOLE_QUERY", "LOGIN", "LOGIN_FAILED", "LOGOUT", "LOCKOUT",
    "PASSWORD_RESET_REQUEST", "AUTHZ_DENIED", "INPUT_REJECTED",
})
# Record tables followed by their change_txid; users by their audit events (see above).
FOLLOWED_RECORDS = tuple(name for name in MUTABLE_TABLES if name != "users")


def _markers() -> list[tuple[sa.ScalarSelect, bool]]:
    """Each marker as a scalar subquery, and whether its value is a transaction id on PostgreSQL."""
    markers = []
    for name in APPEND_ONLY_TABLES:
        table = metadata.tables[name]
        domain = [table.c.action.not_in(sorted(OBSERVATIONS))] if name == "audit_events" else []
        markers.append((sa.select(sa.func.max(table.c.txid)).where(*domain).scalar_subquery(), True))
        markers.append((sa.select(sa.func.max(table.c.id)).where(*domain).scalar_subquery(), False))
    for name in FOLLOWED_RECORDS:
        table = metadata.tables[name]
        markers.append((sa.select(sa.func.max(table.c.change_txid)).scalar_subquery(), True))
    markers.append((sa.select(sa.func.max(archive_checkpoints.c.id)).scalar_subquery(), False))
    return markers


MARKERS = _markers()


def data_version(connectable: Engine | Connection) -> str:
    """The current data version: 16 hex digits, equal to an earlier value exactly when no domain
    data has been written since (see the module's docstring for what counts)."""
    postgres = is_postgres(connectable)
    columns = [marker.label(f"m{n}") for n, (marker, _) in enumerate(MARKERS)]
    if postgres:
        columns.append(sa.literal_column(HORIZON_SQL).label("horizon"))
    statement = sa.select(*columns)
    if isinstance(connectable, Connection):
        row = connectable.execute(statement).one()
    else:
        with connectable.connect() as connection:
            row = connection.execute(statement).one()
    values = [int(value or 0) for value in row[:len(MARKERS)]]
    if postgres:
        newest = max(value for value, (_, is_txid) in zip(values, MARKERS, strict=True) if is_txid)
        horizon = int(row.horizon)
        values.append(horizon if horizon <= newest else 0)  # an older transaction is still open
    return hashlib.sha256(",".join(map(str, values)).encode()).hexdigest()[:16]
