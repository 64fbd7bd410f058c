"""What a cockpit costs a browser: bytes on the wire and time to the first chart, in Chromium.

Seeds the demo-scale AMO on PostgreSQL, archives it once, serves it with ``amoscope serve``
(gunicorn), signs an administrator in, then with an empty cache and the network throttled through the DevTools
protocol (20 Mbit/s both ways, 40 ms latency):

* first visit of a cockpit: JavaScript bytes on the wire (compressed, as transferred), all bytes,
  and the time from navigation to the first drawn chart;
* a second cockpit opened by a full page load with the cache now warm: bytes transferred;
* a third cockpit reached by a navbar click (client-side): bytes transferred.

Each column is a server started for it over the same database and archive: measured at once,
with the worker warm-up (``AMOSCOPE_WARM_UP``) off ("fresh, cold") and on ("fresh, warming"), and
measured once both workers have finished their warm-up ("running"): a deployment's usual state,
where the first visit is the browser's, not the worker's.

Prints a table; asserts nothing. From the repository root::

    .venv/bin/python -m benchmarks.page_weight
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import defaultdict

from playwright.sync_api import sync_playwright

from amoscope.settings import Settings
from auth.users import create_user
from benchmarks.dashboards import _free_port, build_world, drop_world, start_amoscope, wait_until_up
from etl.run import run_once
from warehouse.database import create_engine

PASSWORD = "page weight benchmark password"
THROTTLE = {"offline": False, "latency": 40, "downloadThroughput": 20e6 / 8, "uploadThroughput": 20e6 / 8}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
FIRST_CHART = ".js-plotly-plot .main-svg"
SAFETY_CHART = "spi_control_chart"  # drawn by the safety cockpit alone, not by the page before it
SERVERS = {"fresh, cold": "off", "fresh, warming": "on", "running": "on"}  # column: AMOSCOPE_WARM_UP
WORKERS = 2  # as benchmarks.dashboards.start_amoscope starts them


class Wire:
    """Bytes received per resource type, from the DevTools protocol's own accounting."""

    def __init__(self, cdp) -> None:
        self.types: dict[str, str] = {}
        self.bytes: dict[str, int] = defaultdict(int)
        cdp.on("Network.responseReceived",
               lambda event: self.types.__setitem__(event["requestId"], event["type"]))
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event) -> None:
        self.bytes[self.types.get(event["requestId"], "Other")] += int(event["encodedDataLength"])

    def take(self) -> dict[str, int]:
        taken = dict(self.bytes)
        self.bytes.clear()
        return taken


class BodyCallback:
    """When the browser sent the cockpit body callback and had its answer (monotonic seconds)."""

    def __init__(self, page) -> None:
        self.sent: list[float] = []
        self.answered: list[float] = []
        page.on("request", lambda request: self._note(request, self.sent))
        page.on("requestfinished", lambda request: self._note(request, self.answered))

    @staticmethod
    def _note(request, moments: list[float]) -> None:
        if "/_dash-update-component" in request.url and "cockpit-body" in (request.post_data or ""):
            moments.append(time.monotonic())

    def first(self) -> tuple[float, float]:
        return self.sent[0], self.answered[0]


def measure(base: str, amo: str) -> list[tuple[str, str]]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=CHROMIUM_ARGS)
        login = browser.new_context()
        page = login.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", "weight@bench.example")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/maintenance/{amo}/admin")
        cookies = login.storage_state()
        login.close()

        context = browser.new_context(storage_state=cookies)  # signed in, empty cache
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", THROTTLE)
        wire = Wire(cdp)
        body = BodyCallback(page)
        began = time.monotonic()
        page.goto(f"{base}/maintenance/{amo}/quality")
        page.locator(FIRST_CHART).first.wait_for(timeout=120_000)
        first_chart = time.monotonic() - began
        sent, answered = (moment - began for moment in body.first())
        page.wait_for_load_state("networkidle")
        first = wire.take()
        script = first.get("Script", 0)
        rows += [("cockpit, first visit: JavaScript on the wire", f"{script / 1024:,.0f} KiB"),
                 ("cockpit, first visit: everything on the wire", f"{sum(first.values()) / 1024:,.0f} KiB"),
                 ("cockpit, first visit: body callback sent after", f"{sent:.2f} s"),
                 ("cockpit, first visit: body callback answered after", f"{answered:.2f} s"),
                 ("cockpit, first visit: first chart drawn after", f"{first_chart:.2f} s")]

        began = time.monotonic()
        page.goto(f"{base}/maintenance/{amo}/production")
        page.locator(FIRST_CHART).first.wait_for(timeout=120_000)
        second_chart = time.monotonic() - began
        page.wait_for_load_state("networkidle")
        second = wire.take()
        rows += [("second cockpit, full page load: on the wire", f"{sum(second.values()) / 1024:,.0f} KiB"),
                 ("second cockpit, full page load: first chart after", f"{second_chart:.2f} s")]

        began = time.monotonic()
        page.locator("#app-navbar").get_by_role("link", name="Safety").click()
        page.wait_for_url(f"{base}/maintenance/{amo}/safety")
        page.locator(f"[id*='{SAFETY_CHART}'] .main-svg").first.wait_for(timeout=120_000)
        third_chart = time.monotonic() - began
        page.wait_for_load_state("networkidle")
        third = wire.take()
        rows += [("third cockpit, navbar click: on the wire", f"{sum(third.values()) / 1024:,.0f} KiB"),
                 ("third cockpit, navbar click: its chart after", f"{third_chart:.2f} s")]
        browser.close()
    return rows


def watch_warm_ups(server) -> threading.Event:
    """An event set once every worker of ``server`` has logged the end of its warm-up; reading the
    server's log also keeps its pipe from filling."""
    done = threading.Event()

    def read() -> None:
        finished = 0
        for line in server.stderr:
            finished += "warmed up in" in line
            if finished >= WORKERS:
                done.set()

    threading.Thread(target=read, daemon=True).start()
    return done


def main() -> None:
    print("building the world (demo-scale AMO) …", flush=True)
    url, path, _ = build_world(0)
    amo = path.split("/")[2]
    archive = tempfile.mkdtemp(prefix="amoscope-bench-archive-")
    engine = create_engine(url)
    create_user(engine, email="weight@bench.example", role="admin", amo_code=amo, password=PASSWORD,
                password_profile="owasp-minimum")
    run_once(Settings.from_env({}, database_url=url, archive_url=archive).etl, engine)  # as in a deployment
    engine.dispose()
    runs: list[tuple[str, list[tuple[str, str]]]] = []
    try:
        for _ in range(2):
            for name, warm_up in SERVERS.items():
                port = _free_port()
                server = start_amoscope(url, archive, port, AMOSCOPE_WARM_UP=warm_up,
                                        AMOSCOPE_LOG_LEVEL="INFO")  # the warm-up's end is an INFO line
                warmed = watch_warm_ups(server)
                try:
                    wait_until_up(port, server)
                    if name == "running" and not warmed.wait(timeout=300):
                        raise SystemExit("the workers did not finish their warm-up within 300 s")
                    runs.append((name, measure(f"http://127.0.0.1:{port}", amo)))
                finally:
                    server.terminate()
                    server.wait(timeout=30)
                timings = runs[-1][1][2:5]
                print(f"{name}: " + ", ".join(f"{label.split(': ')[1]} {value}" for label, value in timings),
                      flush=True)
    finally:
        drop_world(url)
    print("\nChromium, empty cache, throttled to 20 Mbit/s and 40 ms latency (DevTools protocol); "
          "each column a server started for it")
    width = max(len(label) for label, _ in runs[0][1])
    print(f"{'':<{width}}  " + "  ".join(f"{name:>14}" for name, _ in runs))
    for index, (label, _) in enumerate(runs[0][1]):
        print(f"{label:<{width}}  " + "  ".join(f"{rows[index][1]:>14}" for _, rows in runs))


if __name__ == "__main__":
    main()
