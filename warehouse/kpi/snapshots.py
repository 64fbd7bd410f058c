"""Cockpit KPI snapshots kept in memory, keyed by whose figures they are, as of when, over which data.

A cockpit renders every KPI of its department from one snapshot, which costs a few hundred
milliseconds of DuckDB and database reads; the same cockpit is opened again and again while its
data stays as it was. A :class:`SnapshotCache` keeps the latest snapshots of one warehouse
(shared by its per-AMO views) under a :class:`SnapshotKey`:

* the scope and the AMO the figures are of: a view scoped to one AMO never finds another AMO's
  snapshot, nor one computed by an unscoped view;
* the department (and department id, when one is asked for);
* the moment: a past as-of is fixed; today's figures also move with the clock alone (hours
  waiting, days overdue), so a live snapshot's moment is the clock's now cut to
  ``live_seconds`` and is computed anew in the next period;
* the data version (:mod:`warehouse.data_version`), read before the snapshot is computed: new
  domain data (a record, a domain event, an archive run, late data of a past day) gives a new
  version and so a new key; views and sign-ins do not.

Bounded (least recently used out), safe under threads; concurrent requests for a key that is
being computed wait for that computation instead of repeating it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

Snapshot = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class SnapshotKey:
    """Which snapshot: of whose data, which department, as of when, over which data version."""

    scope_amo_id: int | None  # the warehouse view's scope (None: unscoped)
    amo_id: int
    department: str
    department_id: int | None
    moment: datetime  # the as-of moment, or today's clock cut to the live period
    live: bool
    data_version: str


def live_moment(now: datetime, live_seconds: int) -> datetime:
    """``now`` cut down to a whole multiple of ``live_seconds``: the key of today's snapshot."""
    seconds = now.timestamp()
    return datetime.fromtimestamp(seconds - seconds % live_seconds, tz=now.tzinfo)


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    entries: int


class SnapshotCache:
    """At most ``entries`` snapshots, least recently used out."""

    def __init__(self, entries: int, live_seconds: int) -> None:
        if entries < 1 or live_seconds < 1:
            raise ValueError("a snapshot cache holds an entry or more and a live period of a second or more")
        self.entries = entries
        self.live_seconds = live_seconds
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[SnapshotKey, Snapshot] = OrderedDict()
        self._computing: dict[SnapshotKey, threading.Lock] = {}
        self._hits = 0
        self._misses = 0

    def get(self, key: SnapshotKey, compute: Callable[[], Snapshot]) -> Snapshot:
        """The snapshot under ``key``: the kept one, or ``compute()``'s, then kept."""
        with self._lock:
            found = self._take(key)
            if found is not None:
                return found
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:  # one computation per key; requests for it meanwhile wait for its result
            with self._lock:
                found = self._take(key)
                if found is not None:
                    return found
                self._misses += 1
            try:
                snapshot = compute()
                with self._lock:
                    self._snapshots[key] = snapshot
                    while len(self._snapshots) > self.entries:
                        self._snapshots.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return _copy(snapshot)

    def stats(self) -> CacheStats:
        """Hits and misses since the start, and the snapshots kept now."""
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._snapshots))

    def _take(self, key: SnapshotKey) -> Snapshot | None:
        """A copy of the kept snapshot, counted as a hit (None when there is none). Under the lock."""
        found = self._snapshots.get(key)
        if found is None:
            return None
        self._snapshots.move_to_end(key)
        self._hits += 1
        return _copy(found)


def _copy(snapshot: Snapshot) -> Snapshot:
    """The snapshot with each table shallow-copied (copy-on-write): a caller's change stays its own."""
    return {name: frame.copy(deep=False) for name, frame in snapshot.items()}
