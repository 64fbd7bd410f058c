"""The archive integrity notebook verifies what the manifests commit, proves the event the rule
picks, detects each tampering of its copies, and leaves the archive itself byte for byte alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.notebooks.conftest import number, printed


def _fingerprint(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_archive_integrity_walkthrough(demo, execute):
    archive = Path(demo.settings.archive_url)
    before = _fingerprint(archive)
    out = printed(execute("archive_integrity"))
    assert _fingerprint(archive) == before  # only copies were altered

    manifests = [json.loads(path.read_text()) for path in sorted((archive / "manifests").glob("*/*.json"))]
    batches = [manifest for manifest in manifests if manifest["kind"] == "batch"]
    tables, count, files, rows = map(int, number(
        r"^OK: (\d+) tables, (\d+) manifests, (\d+) files, (\d+) rows verified", out["verify"]))
    assert tables == len({manifest["table"] for manifest in manifests})
    assert count == len(manifests)
    assert files == sum(len(manifest["files"]) for manifest in batches)
    assert rows == sum(manifest["row_count"] for manifest in batches)

    events = demo.audit_events()
    archived = events[events["id"] <= max(m["cursor_to"][1] for m in batches if m["table"] == "audit_events")]
    picked = archived[archived["action"].str.startswith("ADMIN_") | (archived["action"] == "SIGN")].iloc[-1]
    batch = next(m for m in batches if m["table"] == "audit_events" and m["cursor_to"][1] >= picked["id"])
    assert out["proof"].startswith(f"OK: event {picked['event_id']} ({picked['action']} of "
                                   f"{picked['entity_type']} {picked['entity_id']} at "
                                   f"{picked['occurred_at']:%Y-%m-%d %H:%M:%S} UTC) is row ")
    assert f" of {batch['row_count']} in manifests/audit_events/{batch['seq']:012d}.json" in out["proof"]

    for case in ("edit one event", "edit it and rewrite the manifest", "delete the file holding the event",
                 "present the proof with the edited reason"):
        assert f"{case}: DETECTED (" in out["tamper"], case
    assert "Merkle root of its rows differs" in out["tamper"]
    assert "missing (committed by manifests/audit_events/" in out["tamper"]
    assert "the row's fields do not hash to the stated leaf" in out["tamper"]
