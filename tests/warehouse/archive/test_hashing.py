"""Vectorised row hashes and Merkle roots equal the byte-level definitions they replace."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.archive.merkle import MerkleBuilder, inclusion_proof, merkle_root, root_from_proof
from warehouse.archive.row_encoder import row_encodings, row_hash_array, row_hashes
from warehouse.archive.rowhash import encode_fields

COLUMNS = ("number", "ratio", "flag", "at", "day", "text")
SCHEMA = pa.schema([("number", pa.int64()), ("ratio", pa.float64()), ("flag", pa.bool_()),
                    ("at", pa.timestamp("us", tz="UTC")), ("day", pa.date32()), ("text", pa.string())])
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _canonical_texts(row: dict) -> list[str | None]:
    """The format's canonical text of each field, written out from the docstring's rules."""
    texts: list[str | None] = []
    for name in COLUMNS:
        value = row[name]
        if value is None:
            texts.append(None)
        elif name == "ratio":
            texts.append(str(int.from_bytes(np.float64(value).tobytes(), "little", signed=True)))
        elif name == "flag":
            texts.append("1" if value else "0")
        elif name == "at":
            delta = value - EPOCH
            texts.append(str((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds))
        elif name == "day":
            texts.append(str((value - date(1970, 1, 1)).days))
        else:
            texts.append(str(value))
    return texts


def _reference_root(leaves: list[bytes]) -> bytes:
    """The tree as defined: pair neighbours, an odd last node moves up unchanged."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        level = paired + level[-1:] if len(level) % 2 else paired
    return level[0]


rows = st.lists(st.fixed_dictionaries({
    "number": st.none() | st.integers(-2**63, 2**63 - 1),
    "ratio": st.none() | st.floats(allow_nan=False),
    "flag": st.none() | st.booleans(),
    "at": st.none() | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                                   timezones=st.just(UTC)),
    "day": st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)),
    # any text PostgreSQL can hold: every character but NUL, backslashes and quotes included
    "text": st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\x00")),
}), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(rows)
def test_row_hashes_follow_the_documented_encoding(records):
    batch = pa.RecordBatch.from_pylist(records, schema=SCHEMA)
    expected = [encode_fields(_canonical_texts(record)) for record in records]
    digests = [hashlib.sha256(b"\x00" + encoded).digest() for encoded in expected]
    assert row_encodings(batch, COLUMNS).to_pylist() == expected
    assert row_hashes(batch, COLUMNS) == digests
    # a slice and a table of several chunks read their Arrow buffers at an offset
    sliced = pa.Table.from_batches([batch, batch]).slice(1, len(records))
    assert row_hashes(sliced, COLUMNS) == (digests * 2)[1:len(records) + 1]


def test_row_hashes_keep_row_order_over_many_rows():
    count = 300_000
    texts = [f"event {i} " + "x" * (i % 97) for i in range(count)]
    batch = pa.table({"id": pa.array(range(count), pa.int64()), "text": pa.array(texts)})
    hashes = row_hash_array(batch, ("id", "text"))
    for i in (0, 1, 2047, 2048, 122_880, 150_001, count - 1):
        encoded = encode_fields([str(i), texts[i]])
        assert hashes[i].tobytes() == hashlib.sha256(b"\x00" + encoded).digest()


def test_a_column_that_is_all_null_or_never_null_encodes_the_same():
    batch = pa.table({"a": pa.array([None, None], pa.string()), "b": pa.array([1, 2], pa.int64())})
    assert row_encodings(batch, ("a", "b")).to_pylist() == [b"~1:1", b"~1:2"]
    expected = [hashlib.sha256(b"\x00~1:" + digit).digest() for digit in (b"1", b"2")]
    assert row_hashes(batch, ("a", "b")) == expected
    assert row_encodings(batch.slice(0, 0), ("a", "b")).to_pylist() == []
    assert row_hashes(batch.slice(0, 0), ("a", "b")) == []


@pytest.mark.parametrize("value", [0, 7, 9, 10, -1, -9, -10, -11, 99, 100, 2**63 - 1, -(2**63),
                                   -(2**63) + 1, 10**18, -(10**18)])
def test_integers_at_every_width_and_both_ends_encode_as_their_decimal(value):
    text = str(value).encode()
    batch = pa.table({"n": pa.array([value], pa.int64()), "t": pa.array([""])})
    assert row_encodings(batch, ("n", "t")).to_pylist() == [b"%d:%s0:" % (len(text), text)]
    assert row_hashes(batch, ("n", "t")) == [hashlib.sha256(b"\x00%d:%s0:" % (len(text), text)).digest()]


def test_large_strings_and_multibyte_text_count_bytes_not_characters():
    batch = pa.table({"t": pa.array(["ÆØÅ ✈", None, ""], pa.large_string())})
    assert row_encodings(batch, ("t",)).to_pylist() == [b"10:" + "ÆØÅ ✈".encode(), b"~", b"0:"]


def _leaves(count: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(count)]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 700), st.integers(0, 6), st.lists(st.integers(1, 90), max_size=12))
def test_the_root_over_runs_of_leaves_is_the_root_over_all_leaves(count, run_power, pieces):
    leaves = _leaves(count)
    assert merkle_root(leaves) == _reference_root(leaves)
    run = 2 ** run_power
    runs = [leaves[start:start + run] for start in range(0, count, run)]
    assert _reference_root([_reference_root(part) for part in runs]) == _reference_root(leaves)
    builder = MerkleBuilder(run)
    array = np.frombuffer(b"".join(leaves), np.uint8).reshape(-1, 32)
    start = 0
    for size in [*pieces, count]:
        builder.add(array[start:start + size])
        start = min(count, start + size)
    assert builder.count == count
    assert builder.root() == _reference_root(leaves)


def test_vectorised_levels_match_hashlib_on_large_trees():
    leaves = _leaves(70_001)
    builder = MerkleBuilder()
    builder.add(np.frombuffer(b"".join(leaves), np.uint8).reshape(-1, 32))
    assert merkle_root(leaves) == builder.root() == _reference_root(leaves)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13, 100])
def test_every_inclusion_proof_leads_to_the_root(count):
    leaves = _leaves(count)
    root = _reference_root(leaves)
    for index in range(count):
        assert root_from_proof(leaves[index], inclusion_proof(leaves, index)) == root
    assert math.ceil(math.log2(count)) >= len(inclusion_proof(leaves, count - 1))


def test_a_builder_run_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        MerkleBuilder(3)
