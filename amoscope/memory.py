"""Fewer glibc malloc arenas, so memory freed by one thread is reused by the others.

The ETL reads, hashes and encodes Parquet in three threads; by default glibc gives each thread
that allocates its own arena (up to eight per core), and what one thread frees stays reserved in
its arena. On a 5M-row archive run that held ≈ 200 MiB more at the peak (≈ 950 against 750 MiB)
for no gain in speed. glibc fixes the limit when a thread first allocates, so this runs when the
``amoscope`` package is imported, before pyarrow, numba or a server start their threads. A
``MALLOC_ARENA_MAX`` set in the environment is left to glibc.
"""

from __future__ import annotations

import ctypes
import os
import sys

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas; False where that is not glibc's to set."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))
