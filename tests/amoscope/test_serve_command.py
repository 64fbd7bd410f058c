"""``amoscope serve``: gunicorn with threaded workers serves the app; a weak key refuses to start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from amoscope.web_server import KEEPALIVE_SECONDS
from dashboards.live import POLL_MILLISECONDS

AMOSCOPE = str(Path(sys.executable).with_name("amoscope"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(pg_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AMOSCOPE_")}
    return {**env, "AMOSCOPE_DATABASE_URL": pg_url, **extra}


@pytest.mark.parametrize(("options", "server_says"), [
    (["--workers", "1", "--threads", "2"], "gthread"),
    (["--dev"], "Running on http://127.0.0.1"),
])
def test_serve_answers(pg_url, options, server_says):
    """Gunicorn with threaded workers by default; Flask's own server with --dev."""
    port = _free_port()
    process = subprocess.Popen(
        [AMOSCOPE, "serve", "--port", str(port), *options],
        env=_env(pg_url, AMOSCOPE_SECRET_KEY="serve-test-key-" + "0123456789abcdef" * 2),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "amoscope serve did not answer within 60 s"
                time.sleep(0.3)
        assert health.status_code == 200 and health.text == "ok"
        login = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert login.status_code == 200 and 'name="csrf_token"' in login.text
        assert login.headers["X-Content-Type-Options"] == "nosniff"
        page = requests.get(f"http://127.0.0.1:{port}/maintenance/AMO1/admin", allow_redirects=False,
                            timeout=5)
        assert page.status_code == 302
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert server_says in output


def test_serve_refuses_a_weak_secret_key(pg_url):
    result = subprocess.run([AMOSCOPE, "serve", "--port", str(_free_port())], capture_output=True, text=True,
                            env=_env(pg_url, AMOSCOPE_SECRET_KEY="changeme"), timeout=60)
    assert result.returncode == 1 and "AMOSCOPE_SECRET_KEY" in result.stderr


def test_keep_alive_outlasts_the_live_feed_poll():
    """A keep-alive no longer than the poll interval closes connections just as browsers reuse them."""
    assert KEEPALIVE_SECONDS * 1000 >= 10 * POLL_MILLISECONDS
