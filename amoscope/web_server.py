"""The production web server of ``amoscope serve`` and ``amoscope demo``: gunicorn, configured
from code, with threaded workers and a keep-alive longer than the live feed's poll interval.

A browser polls every 2 s; with a keep-alive no longer than that, gunicorn closes the idle
connection just as the next poll reuses it, and the poll fails with a connection error.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

KEEPALIVE_SECONDS = 75  # several poll intervals; below the usual 60-120 s of load balancers


class PortInUse(Exception):
    """The address to serve on is taken (or not ours to take)."""


def claim_listener(host: str, port: int) -> socket.socket:
    """Bind and listen on ``host:port`` now, so a busy port fails before any slow preparation.

    The bound socket is handed to gunicorn (``fd://``), so nobody can take the port in between.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        why = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
        raise PortInUse(f"{host}:{port} {why}; choose another port with --port") from None
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


class _Gunicorn(BaseApplication):
    """Gunicorn configured from code: the app is built once and shared by the forked workers."""

    def __init__(self, wsgi_app, options: dict) -> None:
        self._wsgi_app = wsgi_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._wsgi_app


def run(wsgi_app, *, bind: str, workers: int, threads: int, access_log: bool, quiet: bool = False,
        on_worker_ready: Callable[[], None] | None = None,
        on_worker_exit: Callable[[], None] | None = None) -> None:
    """Serve ``wsgi_app`` until gunicorn is stopped (SIGINT/SIGTERM); returns afterwards.

    ``bind`` is ``host:port`` or ``fd://N`` (a socket from :func:`claim_listener`). The hooks run
    inside each worker process, after it has loaded the app and when it ends.
    """
    options = {
        "bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
        "keepalive": KEEPALIVE_SECONDS, "timeout": 60, "graceful_timeout": 20,
        "accesslog": "-" if access_log else None, "loglevel": "warning" if quiet else "info",
    }
    if on_worker_ready is not None:
        options["post_worker_init"] = lambda _worker: on_worker_ready()
    if on_worker_exit is not None:
        options["worker_exit"] = lambda _arbiter, _worker: on_worker_exit()
    arbiter_pid = os.getpid()
    try:
        _Gunicorn(wsgi_app, options).run()
    except SystemExit as stop:
        # A worker ends by SystemExit through this frame too (it was forked inside run()): let it
        # go. The arbiter exits the same way when it halts: return to the caller on a clean stop.
        if os.getpid() != arbiter_pid or stop.code not in (None, 0):
            raise
