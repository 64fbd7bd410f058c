"""SHA-256 of many messages at once, without the GIL, for row hashes and Merkle levels.

The ETL hashes every archived row and every inner node of each batch's Merkle tree. A
``hashlib`` call per message holds the GIL and costs more in the interpreter than in SHA-256,
and SQL engines' SHA-256 (DuckDB's) runs at a fifth of the speed of OpenSSL's, which uses the
CPU's SHA instructions. So the loops over messages are compiled by numba, release the GIL (they
run beside extraction and Parquet encoding), and call the SHA-256 of OpenSSL's libcrypto, the
library behind ``hashlib``. Compiled loops are cached on disk (numba ``cache=True``): only the
first use on a machine pays the compilation.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import llvmlite.binding
import numba
import numpy as np
from numba import types

from warehouse.archive.errors import ArchiveError

DIGEST_SIZE = 32
_CONTEXT_SIZE = 128  # bytes; OpenSSL's SHA256_CTX has 112


def _load_libcrypto() -> None:
    """Make OpenSSL's libcrypto's symbols visible to numba-compiled code."""
    path = ctypes.util.find_library("crypto")
    if path is None or not hasattr(ctypes.CDLL(path), "SHA256_Init"):
        raise ArchiveError("hashing archive rows needs OpenSSL's libcrypto (the libssl3 package on "
                           "Debian and Ubuntu), and it was not found")
    llvmlite.binding.load_library_permanently(path)


_load_libcrypto()
# Pointers are passed as integers (an array's .ctypes.data): the same register on every 64-bit ABI.
_sha256_init = types.ExternalFunction("SHA256_Init", types.int32(types.intp))
_sha256_update = types.ExternalFunction("SHA256_Update", types.int32(types.intp, types.intp, types.intp))
_sha256_final = types.ExternalFunction("SHA256_Final", types.int32(types.intp, types.intp))


@numba.njit(nogil=True, cache=True)
def new_context() -> np.ndarray:
    """Room for one SHA-256 state, reused message after message."""
    return np.empty(_CONTEXT_SIZE, np.uint8)


@numba.njit(nogil=True, cache=True)
def sha256_into(context: np.ndarray, message: np.ndarray, length: int, digests: np.ndarray,
                row: int) -> None:
    """SHA-256 of ``message[:length]`` into ``digests[row]`` (``digests``: C-contiguous ``(n, 32)``)."""
    _sha256_init(context.ctypes.data)
    _sha256_update(context.ctypes.data, message.ctypes.data, length)
    _sha256_final(digests.ctypes.data + DIGEST_SIZE * row, context.ctypes.data)


@numba.njit(nogil=True, cache=True)
def _sha256_pairs(prefix: np.ndarray, level: np.ndarray, digests: np.ndarray) -> None:
    context = new_context()
    for pair in range(digests.shape[0]):
        _sha256_init(context.ctypes.data)
        _sha256_update(context.ctypes.data, prefix.ctypes.data, prefix.shape[0])
        _sha256_update(context.ctypes.data, level.ctypes.data + 2 * DIGEST_SIZE * pair, 2 * DIGEST_SIZE)
        _sha256_final(digests.ctypes.data + DIGEST_SIZE * pair, context.ctypes.data)


def sha256_pairs(prefix: bytes, level: np.ndarray) -> np.ndarray:
    """``SHA-256(prefix || level[2i] || level[2i + 1])`` for each pair of neighbouring digests of
    an ``(n, 32)`` uint8 array (an odd last one has no pair): ``(n // 2, 32)``."""
    level = np.ascontiguousarray(level, dtype=np.uint8)
    digests = np.empty((len(level) // 2, DIGEST_SIZE), np.uint8)
    if len(digests):
        _sha256_pairs(np.frombuffer(prefix, np.uint8), level, digests)
    return digests
