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
    if pa.types.is_timestamp(kind):  # a view, not a cast: same bits, no copy
        return (array if kind == TIMESTAMP else array.cast(TIMESTAMP)).view(pa.int64())
    if pa.types.is_date32(kind):
        return array.view(pa.int32())
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


def _encoder_inputs(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> _EncoderInputs:
    rows = batch.num_rows
    arrays = []
    for name in columns:
        column = batch.column(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        arrays.append(_canonical_numbers(column))
    kinds = np.array([_TEXT if pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
                      else _NUMBER for array in arrays], np.int64)
    texts = int((kinds == _TEXT).sum())
    # each column's place among the columns of its kind
    slots = np.where(kinds == _TEXT, np.cumsum(kinds == _TEXT) - 1, np.cumsum(kinds == _NUMBER) - 1)
    valid = np.ones((len(arrays), rows), np.bool_)
    numbers = np.empty((len(arrays) - texts, rows), np.int64)  # filled in place: one copy, no stack
    text_offsets = np.empty((texts, rows + 1), np.int64)
    text_addresses = np.zeros(texts, np.int64)
    buffers = []
    for index, array in enumerate(arrays):
        if array.null_count:
            valid[index] = array.is_valid().to_numpy(zero_copy_only=False)
        slot = slots[index]
        if kinds[index] == _TEXT:
            _, offset_buffer, data_buffer = array.buffers()
            width = np.dtype(np.int64 if pa.types.is_large_string(array.type) else np.int32)
            text_offsets[slot] = np.frombuffer(offset_buffer, width, rows + 1, array.offset * width.itemsize)
            if data_buffer is not None:
                text_addresses[slot] = data_buffer.address
                buffers.append(data_buffer)
        else:
            if array.null_count:
                array = array.fill_null(0)
            numbers[slot] = array.to_numpy(zero_copy_only=False)  # widened to int64 by numpy
    return _EncoderInputs(kinds, slots, numbers, valid, text_offsets, text_addresses, buffers)


@numba.njit(nogil=True, cache=True)
def _longest_row(kinds, text_offsets) -> int:
    """Bytes enough for any row's encoding: each field's longest text, its length and colon."""
    longest = kinds.shape[0] * (20 + 1 + 2)
    for slot in range(text_offsets.shape[0]):
        widest = 0
        for row in range(text_offsets.shape[1] - 1):
            widest = max(widest, text_offsets[slot, row + 1] - text_offsets[slot, row])
        longest += widest
    return longest


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
def _write_decimal(out: np.ndarray, position: int, value: int, length: int) -> int:
    """Write the decimal text of an int64, ``length`` (:func:`_decimal_length`) bytes, at
    ``position``; return the position after it."""
    end = position + length
    index = end - 1
    if value < 0:
        out[position] = 45  # '-'
        if value == _INT64_MIN:  # its magnitude does not fit an int64: ...580, then 8
            out[index] = 56
            index -= 1
            value = 922337203685477580
        else:
            value = -value
    while True:
        out[index] = 48 + value % 10
        value //= 10
        index -= 1
        if value == 0:
            return end


@numba.njit(nogil=True, cache=True)
def _write_field(out: np.ndarray, position: int, size: int) -> int:
    """Write a field's ``<n>:`` for a value of ``size`` bytes; return the position after it."""
    position = _write_decimal(out, position, size, _decimal_length(size))
    out[position] = 58  # ':'
    return position + 1


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
            length = _decimal_length(value)
            position = _write_decimal(out, _write_field(out, position, length), value, length)
        else:
            start = text_offsets[slots[column], row]
            end = text_offsets[slots[column], row + 1]
            position = _write_field(out, position, end - start)
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
def _hash_rows(kinds, slots, numbers, valid, text_offsets, text_addresses, digests) -> None:
    message = np.empty(1 + _longest_row(kinds, text_offsets), np.uint8)
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
        _hash_rows(*inputs.arguments(), digests)
    return digests


def row_hashes(batch: pa.RecordBatch | pa.Table, columns: tuple[str, ...]) -> list[bytes]:
    """SHA-256 row hashes (32 bytes each) of every row, in row order."""
    return [digest.tobytes() for digest in row_hash_array(batch, columns)]
