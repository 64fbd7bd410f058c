"""`amoscope demo` (README command 1) from an empty folder: seeded, archived, served by gunicorn,
logins work and are the last thing printed; a busy port fails at once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from simulator import SCALES

AMOSCOPE = [sys.executable, "-c", "from amoscope.cli import main; main()"]
LOGIN_LINE = re.compile(r"^\| (demo\.\S+)\s+(\S+)\s+(\S+) / (\S+)\s+\|$", re.MULTILINE)
READY = "Ctrl-C stops the demo."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoProcess:
    """``amoscope demo`` in a subprocess, its output collected as it comes."""

    def __init__(self, folder: Path, port: int, *options: str) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AMOSCOPE_")}
        self.process = subprocess.Popen(
            [*AMOSCOPE, "demo", "--port", str(port), "--days-per-minute", "5", *options], cwd=folder,
            env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.output = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output += line

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.process.poll() is None, f"demo exited early:\n{self.output[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout} s:\n{self.output[-3000:]}"
            time.sleep(0.5)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self._reader.join(timeout=5)
        return code

    def logins(self) -> dict[str, tuple[str, str]]:
        """Demo logins of the latest start: username → (password, role)."""
        block = self.output.rsplit("AMOscope demo is running", 1)[-1]
        return {user: (password, role) for user, password, role, _ in LOGIN_LINE.findall(block)}


def _log_in(base: str, username: str, password: str) -> requests.Response:
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return session.post(f"{base}/login", data={"username": username, "password": password,
                                               "csrf_token": token}, allow_redirects=False, timeout=30)


def test_demo_from_an_empty_folder_seeds_archives_serves_and_restarts(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    demo = DemoProcess(tmp_path, port)
    try:
        demo.wait_for(READY, timeout=240)
        time.sleep(1)
        assert "seeded" in demo.output and "archiving" in demo.output
        logins = demo.logins()
        assert {role for _, role in logins.values()} == {"superuser", "admin", "quality", "auditor", "member"}

        password, _ = logins["demo.quality@demo.amoscope.example"]
        answer = _log_in(base, "demo.quality@demo.amoscope.example", password)
        assert answer.status_code in (302, 303)
        assert re.fullmatch(r"/maintenance/[A-Z]+/quality", answer.headers["Location"].removeprefix(base))
        admin_password, _ = logins["demo.admin@demo.amoscope.example"]
        assert _log_in(base, "demo.admin@demo.amoscope.example", admin_password).headers["Location"] \
            .endswith("/admin")
        requests.get(f"{base}/healthz", timeout=10)
        time.sleep(1)
        # No request logs: the framed block with the logins stays the last thing printed.
        assert demo.output.rstrip().endswith("+") and "GET /" not in demo.output
        saved = (tmp_path / "var" / "demo-logins.txt").read_text()
        assert f"{base}/login" in saved and password in saved
        assert (tmp_path / "var" / "demo-logins.txt").stat().st_mode & 0o077 == 0
        deadline = time.monotonic() + 120  # the first archive run is made in the background
        while not any((tmp_path / "var" / "archive").rglob("*.parquet")):
            assert time.monotonic() < deadline, "nothing archived within 120 s"
            time.sleep(1)
    finally:
        assert demo.stop() == 0
    assert demo.output.count("demo stopped") == 1
    assert (tmp_path / "var" / "amoscope.db").exists()

    # A second start keeps the data (no second seed) and replaces every password.
    again = DemoProcess(tmp_path, port)
    try:
        again.wait_for(READY, timeout=120)
        time.sleep(1)
        assert "seeding" not in again.output
        old_password, _ = logins["demo.quality@demo.amoscope.example"]
        assert _log_in(base, "demo.quality@demo.amoscope.example", old_password).status_code == 401
    finally:
        assert again.stop() == 0


def test_demo_on_a_busy_port_fails_at_once_naming_the_option(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {key: value for key, value in os.environ.items() if not key.startswith("AMOSCOPE_")}
        started = time.monotonic()
        result = subprocess.run([*AMOSCOPE, "demo", "--port", str(port)], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in result.stderr and "--port" in result.stderr
    assert time.monotonic() - started < 15  # before migrating or seeding anything
    assert not (tmp_path / "var" / "amoscope.db").exists()


def test_demo_scale_is_the_documented_size():
    assert 40_000 <= SCALES["demo"].events <= 60_000
