"""An archive verifier written from docs/archive-format.md alone, importing nothing of AMOscope.

It keeps the document honest: whatever it needs to know must be in the document. It uses only
the standard library, pyarrow (a Parquet reader) and cryptography (Ed25519), as an outsider
would, and is plain and slow on purpose. ``verify(root, anchor, public_key_pem)`` returns the
problems found as ``(where, what)`` pairs, ``where`` being a path relative to the archive root.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

EVENT_TABLES = {"audit_events", "activity_events", "part_movements", "tool_usage"}
NAME = re.compile(r"^\d{12}\.json$")


def canonical(document) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def field_text(value, arrow_type: str) -> str | None:
    if value is None:
        return None
    if arrow_type == "bool":
        return "1" if value else "0"
    if arrow_type == "double":
        return str(struct.unpack("<q", struct.pack("<d", value))[0])
    return str(value)


def column_values(table: pa.Table, name: str, arrow_type: str) -> list:
    column = table.column(name)
    if arrow_type.startswith("timestamp"):
        column = column.cast(pa.int64())  # microseconds since 1970-01-01 UTC
    elif arrow_type.startswith("date32"):
        column = column.cast(pa.int32())  # days since 1970-01-01
    return column.to_pylist()


def row_hashes(table: pa.Table, columns: list[str], types: dict[str, str]) -> list[bytes]:
    values = [column_values(table, name, types[name]) for name in columns]
    hashes = []
    for row in range(table.num_rows):
        encoding = b""
        for name, column in zip(columns, values, strict=True):
            text = field_text(column[row], types[name])
            encoding += b"~" if text is None else str(len(text.encode())).encode() + b":" + text.encode()
        hashes.append(hashlib.sha256(b"\x00" + encoding).digest())
    return hashes


def merkle_root(leaves: list[bytes]) -> str:
    if not leaves:
        return sha256(b"")
    level = leaves
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0].hex()


def signature_problem(document: dict, public_key) -> str | None:
    signature = document.get("signature")
    if not isinstance(signature, dict):
        return "not signed"
    raw_key = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if signature.get("algorithm") != "ed25519" or signature.get("key_id") != sha256(raw_key)[:16]:
        return "signed by another key"
    unsigned = {key: value for key, value in document.items() if key != "signature"}
    try:
        public_key.verify(base64.b64decode(signature["value"], validate=True), canonical(unsigned))
    except (InvalidSignature, ValueError, KeyError):
        return "bad signature"
    return None


class Verifier:
    def __init__(self, root: Path, anchor: str | None, public_key_pem: bytes | None):
        self.root = root
        self.anchor = anchor
        self.key = serialization.load_pem_public_key(public_key_pem) if public_key_pem else None
        self.problems: list[tuple[str, str]] = []

    def problem(self, where: str, what: str) -> None:
        self.problems.append((where, what))

    def load(self, relative: str) -> tuple[dict, bytes] | None:
        raw = (self.root / relative).read_bytes()
        try:
            document = json.loads(raw)
        except ValueError:
            self.problem(relative, "not JSON")
            return None
        if canonical(document) != raw:
            self.problem(relative, "not canonical")
        if self.key is not None and signature_problem(document, self.key):
            self.problem(relative, signature_problem(document, self.key))
        return document, raw

    def numbered(self, folder: str) -> list[str]:
        """Names 1, 2, 3, … in ``folder``; other names and gaps are problems."""
        path = self.root / folder
        names = sorted(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else []
        for name in names:
            if not NAME.match(name):
                self.problem(f"{folder}/{name}", "not a numbered JSON name")
        numbered = [name for name in names if NAME.match(name)]
        for expected, name in enumerate(numbered, start=1):
            if int(name[:12]) != expected:
                self.problem(f"{folder}/{name}", f"numbering gap before it (expected {expected})")
                break
        return [f"{folder}/{name}" for name in numbered]

    def run(self) -> list[tuple[str, str]]:
        tables = self.folders()
        checkpoints = self.checkpoints()
        for table in sorted(tables | {name for document in checkpoints for name in document["tables"]}):
            chain = self.chain(table)
            self.completeness(table, chain, checkpoints)
            self.files(table, chain)
        return self.problems

    def folders(self) -> set[str]:
        found: dict[str, set[str]] = {}
        for top in ("manifests", "data"):
            folder = self.root / top
            found[top] = set()
            for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
                if entry.is_file():
                    self.problem(f"{top}/{entry.name}", "a file directly under the folder")
                else:
                    found[top].add(entry.name)
        known = found["manifests"] | found["data"]
        for name in sorted(known):
            if name not in self.archived_tables():
                for top in ("manifests", "data"):
                    if name in found[top]:
                        self.problem(f"{top}/{name}/", "folder of an unknown table")
        for name in sorted(found["data"] - found["manifests"]):
            self.problem(f"data/{name}/", "data without manifests (orphan)")
        return {name for name in known if name in self.archived_tables()}

    def archived_tables(self) -> set[str]:
        """Tables are known by their names in the checkpoints and in the document's lists; a
        folder name that no checkpoint records and that holds no chain of its own is unknown."""
        names = set(EVENT_TABLES)
        checkpoint_dir = self.root / "checkpoints"
        for path in checkpoint_dir.glob("*.json") if checkpoint_dir.is_dir() else []:
            with contextlib.suppress(ValueError, KeyError, TypeError):  # reported by checkpoints()
                names |= set(json.loads(path.read_bytes())["tables"])
        return names

    def checkpoints(self) -> list[dict]:
        documents, previous_raw, previous = [], None, None
        for relative in self.numbered("checkpoints"):
            loaded = self.load(relative)
            if loaded is None:
                continue
            document, raw = loaded
            expected = None if previous is None else {"seq": previous["seq"], "sha256": sha256(previous_raw)}
            if document.get("previous") != expected or document.get("seq") != int(relative[-17:-5]):
                self.problem(relative, "does not chain")
            if previous is not None:
                for name, head in previous["tables"].items():
                    if name not in document["tables"] or document["tables"][name]["seq"] < head["seq"]:
                        self.problem(relative, f"goes back on {name}")
            document["_path"], document["_sha256"] = relative, sha256(raw)
            documents.append(document)
            previous, previous_raw = document, raw
        if self.anchor is not None and self.anchor not in {d["_sha256"] for d in documents}:
            self.problem("checkpoints/", "the anchored checkpoint is not in the archive")
        return documents

    def chain(self, table: str) -> list[dict]:
        chain, previous, previous_raw = [], None, None
        for relative in self.numbered(f"manifests/{table}"):
            loaded = self.load(relative)
            if loaded is None:
                continue
            document, raw = loaded
            expected = None if previous is None else {"seq": previous["seq"], "sha256": sha256(previous_raw)}
            start = [0] * len(document["cursor_columns"]) if previous is None else previous["cursor_to"]
            if (document.get("previous") != expected or document["cursor_from"] != start
                    or document["table"] != table or document["seq"] != int(relative[-17:-5])):
                self.problem(relative, "does not chain")
            if chain and any(document["source"].get(key) != chain[0]["source"].get(key)
                             for key in ("dialect", "database", "system_identifier")):
                self.problem(relative, "another source")
            adds = document["row_count"] != 0 or document["cursor_to"] != document["cursor_from"]
            if document["kind"] == "batch":
                if (document["row_count"] <= 0 or document["cursor_to"] <= document["cursor_from"]
                        or sum(entry["rows"] for entry in document["files"]) != document["row_count"]):
                    self.problem(relative, "a batch that adds nothing or miscounts")
            elif adds or (document["kind"] == "heartbeat" and document["files"]):
                self.problem(relative, f"a {document['kind']} that adds rows or files")
            document["_path"], document["_sha256"] = relative, sha256(raw)
            chain.append(document)
            previous, previous_raw = document, raw
        return chain

    def completeness(self, table: str, chain: list[dict], checkpoints: list[dict]) -> None:
        by_seq = {document["seq"]: document for document in chain}
        for checkpoint in checkpoints:
            head = checkpoint["tables"].get(table)
            if head is None:
                continue
            found = by_seq.get(head["seq"])
            if found is None:
                self.problem(f"manifests/{table}/",
                             f"missing up to seq {head['seq']} ({checkpoint['_path']})")
                return
            if found["_sha256"] != head["sha256"]:
                self.problem(found["_path"], f"not the manifest {checkpoint['_path']} records")
                return

    def files(self, table: str, chain: list[dict]) -> None:
        live: dict[str, tuple[dict, dict]] = {}
        for document in chain:
            for path in document["replaces"]:
                live.pop(path, None)
            for entry in document["files"]:
                live[entry["path"]] = (entry, document)
        data = self.root / "data" / table
        on_disk = {str(p.relative_to(self.root)) for p in data.rglob("*") if p.is_file()}
        for path in sorted(on_disk - set(live)):
            self.problem(path, "not committed by any manifest")
        batches = [document for document in chain if document["kind"] == "batch"]
        leaves: dict[int, list[tuple[tuple, bytes]]] = {document["seq"]: [] for document in batches}
        for path, (entry, document) in sorted(live.items()):
            self.file(table, path, entry, document, batches, leaves)
        for document in batches:
            found = [leaf for _, leaf in sorted(leaves[document["seq"]])]
            if len(found) != document["row_count"] or merkle_root(found) != document["merkle_root"]:
                self.problem(document["_path"], "rows or Merkle root differ")

    def file(self, table: str, path: str, entry: dict, document: dict, batches: list[dict],
             leaves: dict[int, list]) -> None:
        partition = "month" if table in EVENT_TABLES else "year"
        target = self.root / path
        if not target.is_file():
            self.problem(path, "missing")
            return
        raw = target.read_bytes()
        if len(raw) != entry["size"] or sha256(raw) != entry["sha256"]:
            self.problem(path, "size or SHA-256 differ")
        if not path.startswith(f"data/{table}/{partition}={entry['partition']}/"):
            self.problem(path, "outside its partition folder")
        try:
            rows = pq.read_table(pa.BufferReader(raw))
        except Exception:  # untrusted bytes: any failure is a finding
            self.problem(path, "not Parquet")
            return
        schema = [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in rows.schema]
        if schema != document["schema"]:
            self.problem(path, "schema differs")
            return
        types = {item["name"]: item["type"] for item in schema}
        labels = {str(label) for label in rows.column(partition).to_pylist()}
        if rows.num_rows != entry["rows"] or labels - {entry["partition"]}:
            self.problem(path, "row count or partition differ")
        cursors = list(zip(*(column_values(rows, name, types[name]) for name in document["cursor_columns"]),
                           strict=True))
        if any(a >= b for a, b in zip(cursors, cursors[1:], strict=False)):
            self.problem(path, "rows not in strictly increasing cursor order")
            return
        if cursors and (list(cursors[0]) != entry["first"] or list(cursors[-1]) != entry["last"]):
            self.problem(path, "first or last cursor differ")
        for cursor, leaf in zip(cursors, row_hashes(rows, document["columns"], types), strict=True):
            owner = [b for b in batches if tuple(b["cursor_from"]) < cursor <= tuple(b["cursor_to"])]
            if not owner:
                self.problem(path, f"row {list(cursor)} in no batch")
                return
            leaves[owner[0]["seq"]].append((cursor, leaf))


def verify(root: Path, anchor: str | None = None,
           public_key_pem: bytes | None = None) -> list[tuple[str, str]]:
    """Every problem found in the archive at ``root``, checked against ``anchor`` (a checkpoint's
    SHA-256) and, if given, the Ed25519 public key (PEM)."""
    return Verifier(Path(root), anchor, public_key_pem).run()
