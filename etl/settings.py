"""The ETL's settings section: batch size, pace, heartbeat, compaction, signing key and replay window."""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.settings import WarehouseSettings, nested, setting


@dataclass(frozen=True)
class EtlSettings:
    """What the archiver needs; the database and the archive it moves between are the warehouse's."""

    warehouse: WarehouseSettings = nested(WarehouseSettings)
    signing_key_path: str = setting(
        "", "Ed25519 private key (PEM) that signs archive manifests; empty: manifests are unsigned.")
    replay_window_days: int = setting(
        7, "Days of events the operational database keeps after archiving (etl prune default).", minimum=1)
    etl_interval_seconds: int = setting(5, "Pause between ETL runs in follow mode.", minimum=1)
    etl_batch_rows: int = setting(
        1_000_000,
        "Most rows per archived batch (one manifest each); smaller batches commit progress sooner.",
        minimum=1)
    etl_heartbeat_minutes: int = setting(
        60, "An ETL run that finds nothing new writes a heartbeat manifest if the last is this old.",
        minimum=0)
    etl_compact_after_batches: int = setting(
        50, "In follow mode, compact a table once it has this many new batches (and once at start); "
            "0: only 'amoscope archive compact' compacts.", minimum=0)
    etl_compact_small_file_rows: int = setting(
        100_000, "Compaction merges the data files under this many rows that share a partition into one.",
        minimum=1)
