"""The canonical row encoding and row hashes of :mod:`warehouse.archive.rowhash`, for whole batches.

Every archived row is encoded and hashed when it is written and again whenever it is verified,
so this is a compiled loop (numba, without the GIL) over the batch's Arrow buffers: numbers
become their decimal text, text is copied as it is, and each row's encoding is hashed with
OpenSSL's SHA-256 (:mod:`warehouse.archive.hashing`). No Python object is made per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa
from numba import types

from warehouse.archive.hashing import DIGEST_SIZE, new_context, sha256_into
from warehouse.archive.rowhash import TIMESTAMP


def _canonical_numbers(array: pa.Array) -> pa.Array:
    """The column as integers (or text as it is) whose decimal text is the canonical value."""
    kind = array.type
    if pa.types.is_floating(kind):
        return array.cast(pa.float64()).view(pa.int64())
    if pa.types.is_boolean(kind):
        return array.cast(pa.int8())
    if pa.types.is_timestamp(kind):
        return array.cast(TIMESTAMP).cast(pa.int64())
    if pa.types.is_date32(kind):
        return array.cast(pa.int32())
    if pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return array
    raise TypeError(f"no canonical text for Arrow type {kind}")


# Kinds of a column in the encoding loops.
_NUMBER, _TEXT = 0, 1
_INT64_MIN = -(2**63)
# libc's memcpy: a field is a few dozen bytes, where a compiled copy loop costs four times more.
_memcpy = types.ExternalFunction("memcpy", types.intp(types.intp, types.intp, types.intp))


@dataclass(frozen=True)
class _EncoderInputs:
    """A batch's columns as the compiled loops read them.

    Column ``c`` is ``numbers[slots[c]]`` (a number whose decimal is the canonical text) or text
    ``slots[c]`` (row ``r``'s bytes are ``text_offsets[slot, r]`` to ``text_offsets[slot, r + 1]``
    from the address ``text_addresses[slot]`` of the Arrow data buffer, which ``buffers`` keeps
    alive), by ``kinds[c]``; ``valid[c, row]`` is False for NULL.
    """

    kinds: np.ndarray
    slots: np.ndarray
    numbers: np.ndarray
    valid: np.ndarray
    text_offsets: np.ndarray
    text_addresses: np.ndarray
    buffers: list[pa.Buffer]

    def arguments(self) -> tuple[np.ndarray, ...]:
        return (self.kinds, self.slots, self.numbers, self.valid, self.text_offsets, self.text_addresses)

    def longest_row(self) -> int:
        """Bytes enough for any row's encoding: each field's longest text, length and colon."""
        longest_texts = np.diff(self.text_offsets, axis=1).max(axis=1, initial=0)
        return int(longest_texts.sum()) + len(self.kinds) * (20 + 1 + 2)


def _encoder_inputs(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> _EncoderInputs:
    rows = batch.num_rows
    kinds, slots, numbers, offsets, addresses, buffers = [], [], [], [], [], []
    valid = np.ones((len(columns), rows), np.bool_)
    for index, name in enumerate(columns):
        column = batch.column(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        column = _canonical_numbers(column)
        if column.null_count:
            valid[index] = column.is_valid().to_numpy(zero_copy_only=False)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            kinds.append(_TEXT)
            slots.append(len(offsets))
            _, offset_buffer, data_buffer = column.buffers()
            width = np.int64 if pa.types.is_large_string(column.type) else np.int32
            offsets.append(np.frombuffer(offset_buffer, width, rows + 1,
                                         column.offset * np.dtype(width).itemsize).astype(np.int64))
            addresses.append(data_buffer.address if data_buffer is not None else 0)
            buffers.append(data_buffer)
        else:
            kinds.append(_NUMBER)
            slots.append(len(numbers))
            numbers.append(column.fill_null(0).cast(pa.int64()).to_numpy())
    return _EncoderInputs(
        np.array(kinds, np.int64), np.array(slots, np.int64),
        np.stack(numbers) if numbers else np.empty((0, rows), np.int64), valid,
        np.stack(offsets) if offsets else np.empty((0, rows + 1), np.int64),
        np.array(addresses, np.int64), buffers)


@numba.njit(nogil=True, cache=True)
def _decimal_length(value: int) -> int:
    """Bytes of the decimal text of an int64."""
    if value == _INT64_MIN:
        return 20
    length = 1
    if value < 0:
        length, value = 2, -value
    while value >= 10:
        value //= 10
        length += 1
    return length


@numba.njit(nogil=True, cache=True)
def _write_magnitude(out: np.ndarray, position: int, value: int) -> int:
    """Write the decimal digits of ``value`` ≥ 0 at ``position``; return the position after them."""
    end = position + _decimal_length(value)
    index = end - 1
    while True:
        out[index] = 48 + value % 10
        value //= 10
        index -= 1
        if value == 0:
            return end


@numba.njit(nogil=True, cache=True)
def _write_decimal(out: np.ndarray, position: int, value: int) -> int:
    """Write the decimal text of an int64 at ``position``; return the position after it."""
    if value >= 0:
        return _write_magnitude(out, position, value)
    out[position] = 45  # '-'
    if value == _INT64_MIN:  # its magnitude does not fit an int64: ...580, then 8
        position = _write_magnitude(out, position + 1, 922337203685477580)
        out[position] = 56
        return position + 1
    return _write_magnitude(out, position + 1, -value)


@numba.njit(nogil=True, cache=True)
def _row_length(row, kinds, slots, numbers, valid, text_offsets, text_addresses) -> int:
    length = 0
    for column in range(kinds.shape[0]):
        if not valid[column, row]:
            length += 1
            continue
        if kinds[column] == _NUMBER:
            size = _decimal_length(numbers[slots[column], row])
        else:
            size = text_offsets[slots[column], row + 1] - text_offsets[slots[column], row]
        length += _decimal_length(size) + 1 + size
    return length


@numba.njit(nogil=True, cache=True)
def _write_row(row, kinds, slots, numbers, valid, text_offsets, text_addresses, out, position) -> int:
    """Write row ``row``'s canonical encoding at ``position``; return the position after it."""
    for column in range(kinds.shape[0]):
        if not valid[column, row]:
            out[position] = 126  # '~'
            position += 1
            continue
        if kinds[column] == _NUMBER:
            value = numbers[slots[column], row]
            position = _write_decimal(out, position, _decimal_length(value))
            out[position] = 58  # ':'
            position = _write_decimal(out, position + 1, value)
        else:
            start = text_offsets[slots[column], row]
            end = text_offsets[slots[column], row + 1]
            position = _write_decimal(out, position, end - start)
            out[position] = 58
            position += 1
            _memcpy(out.ctypes.data + position, text_addresses[slots[column]] + start, end - start)
            position += end - start
    return position


@numba.njit(nogil=True, cache=True)
def _encode_rows(kinds, slots, numbers, valid, text_offsets, text_addresses, row_offsets) -> np.ndarray:
    rows = row_offsets.shape[0] - 1
    row_offsets[0] = 0
    for row in range(rows):
        row_offsets[row + 1] = row_offsets[row] + _row_length(row, kinds, slots, numbers, valid,
                                                              text_offsets, text_addresses)
    out = np.empty(row_offsets[rows], np.uint8)
    for row in range(rows):
        _write_row(row, kinds, slots, numbers, valid, text_offsets, text_addresses, out, row_offsets[row])
    return out


@numba.njit(nogil=True, cache=True)
def _hash_rows(kinds, slots, numbers, valid, text_offsets, text_addresses, longest_row, digests) -> None:
    message = np.empty(1 + longest_row, np.uint8)
    message[0] = 0  # LEAF_PREFIX
    context = new_context()
    for row in range(digests.shape[0]):
        end = _write_row(row, kinds, slots, numbers, valid, text_offsets, text_addresses, message, 1)
        sha256_into(context, message, end, digests, row)


def row_encodings(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> pa.Array:
    """The canonical encoding of each row (binary), over ``columns`` in that order."""
    inputs = _encoder_inputs(batch, columns)  # a name keeps its buffers alive through the call
    row_offsets = np.empty(batch.num_rows + 1, np.int64)
    data = _encode_rows(*inputs.arguments(), row_offsets)
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), batch.num_rows,
                                            [None, pa.py_buffer(row_offsets), pa.py_buffer(data)])


def row_hash_array(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> np.ndarray:
    """SHA-256 row hashes of every row, in row order, as an ``(n, 32)`` uint8 array.

    Encoded and hashed by one compiled loop, without the GIL and without a Python object per row.
    """
    digests = np.empty((batch.num_rows, DIGEST_SIZE), np.uint8)
    if batch.num_rows:
        inputs = _encoder_inputs(batch, columns)  # a name keeps its buffers alive through the call
        _hash_rows(*inputs.arguments(), inputs.longest_row(), digests)
    return digests


def row_hashes(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> list[bytes]:
    """SHA-256 row hashes (32 bytes each) of every row, in row order."""
    return [digest.tobytes() for digest in row_hash_array(batch, columns)]
