"""Importing amoscope limits glibc to two malloc arenas, however many threads allocate."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import ctypes, sys, threading
if sys.argv[1] == "amoscope":
    import amoscope
barrier = threading.Barrier(8)
def allocate():
    barrier.wait()  # all eight threads allocate at once: each would get its own arena
    blocks = [bytearray(100_000) for _ in range(50)]
    barrier.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
ctypes.CDLL(None).malloc_stats()  # glibc prints one "Arena n:" block per arena to stderr
"""


def _arenas(first_import: str, **environment: str) -> int:
    result = subprocess.run([sys.executable, "-c", PROBE, first_import], capture_output=True, text=True,
                            check=True, env={"PATH": "/usr/bin:/bin", **environment})
    return sum(line.startswith("Arena ") for line in result.stderr.splitlines())


def test_amoscope_keeps_eight_allocating_threads_in_two_arenas():
    assert _arenas("plain") > 2  # what glibc does on its own
    assert _arenas("amoscope") == 2
    assert _arenas("amoscope", MALLOC_ARENA_MAX="3") == 3  # the environment still wins
