"""Running the ETL's work on PostgreSQL in a child process, so a driver crash ends one run only.

The PostgreSQL driver is native code, and the release AMOscope pins (see pyproject.toml) aborts
its whole process, with no Python exception, when it sends a query on a connection the server
has already closed. The commands therefore do their reading in a forked child: such an abort
then ends that child, and the command (or the follow-mode daemon) reports it as a lost
connection and carries on. Nothing is lost by it: the archive is crash-safe, so the next run
removes what the dead one left uncommitted and continues from the archived cursor.

Fork, not spawn: the child starts with everything already imported, in milliseconds, and the
function it runs need not be picklable; only its result or exception travels back, pickled.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from etl.errors import EtlError, ExtractError
from etl.source import RETRY

T = TypeVar("T")
_FORK = multiprocessing.get_context("fork")


def isolated(engine: sa.Engine, work: Callable[[], T], *, stop: threading.Event | None = None) -> T:
    """``work()`` in a child process on PostgreSQL, in this one on SQLite (no native driver).

    ``work`` may use ``engine``: the child gets a pool of its own, so it never touches this
    process's connections.
    """
    if engine.dialect.name != "postgresql":
        return work()
    return in_child_process(lambda: _with_own_pool(engine, work), stop=stop)


def _with_own_pool(engine: sa.Engine, work: Callable[[], T]) -> T:
    engine.dispose(close=False)  # forget the parent's pooled connections; they stay the parent's
    return work()


def in_child_process(work: Callable[[], T], *, stop: threading.Event | None = None) -> T:
    """Return what ``work()`` returns, computed in a forked child; re-raise what it raises.

    A child that dies without an answer (killed, or aborted by native code) raises
    :class:`ExtractError`. When ``stop`` is set while the child works, the child is sent
    SIGTERM, which it turns into setting its own copy of ``stop``: the work ends after the
    batch in progress and its checkpoint, never halfway through writing one.
    """
    receiver, sender = _FORK.Pipe(duplex=False)
    child = _FORK.Process(target=_answer, args=(sender, work, stop), name="amoscope-etl-worker")
    child.start()
    sender.close()
    stop_sent = False
    try:
        while not receiver.poll(0.1):  # also returns when the child has ended without an answer
            if stop is not None and stop.is_set() and not stop_sent:
                os.kill(child.pid, signal.SIGTERM)
                stop_sent = True
        outcome = receiver.recv()
    except EOFError:
        outcome = None
    finally:
        child.join()
        receiver.close()
    if outcome is None:
        raise ExtractError(f"the ETL worker process ended without finishing ({_how(child.exitcode)}), "
                           f"most likely because the database connection was lost; {RETRY}")
    returned, value = outcome
    if not returned:
        raise value
    return value


def _answer(sender, work: Callable[[], object], stop: threading.Event | None) -> None:
    """The child's side: run ``work`` and send back (True, result) or (False, exception)."""
    if stop is not None:  # whoever started the work, a SIGTERM is a request to stop, not a kill
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        outcome = (True, work())
    except BaseException as error:  # handed to the parent, which raises it
        outcome = (False, error)
    try:
        sender.send(outcome)
    except Exception:  # an unpicklable result or exception: send its text instead
        returned, value = outcome
        sender.send((False, EtlError(f"the ETL worker's {'result' if returned else 'error'} "
                                     f"could not be passed back: {value!r}")))
    finally:
        sender.close()


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"signal {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"
