"""App cold start: `streamlit run app.py` on a store, timed from the process start until the
server answers its health check, serves the page's HTML, and has finished the first script
run a browser tab asks for (Debian's Chromium driven by Playwright, started beforehand so
its own start-up is not counted). Then every page is opened once in that tab, and the
server process's peak memory is read from /proc.

    .venv/bin/python -m bench.coldstart STORE     # prints one JSON line
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.pages import peak_mb

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
# Streamlit marks its app root: connected to the server, and no script run in progress
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TIMEOUT_S = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_paths() -> list[str]:
    """The URL path of each page app.py declares (Streamlit names it after the file)."""
    files = re.findall(r"st\.Page\(\"([^\"]+)\"", (ROOT / "app.py").read_text())
    return [Path(f).stem for f in files]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


def _settle(page) -> None:
    page.wait_for_timeout(250)  # the frontend shows a run a moment after it starts
    page.wait_for_selector(CONNECTED, state="attached", timeout=TIMEOUT_S * 1000)
    page.wait_for_selector(IDLE, state="attached", timeout=TIMEOUT_S * 1000)


def measure(store: Path) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    browser_ok = sync_playwright is not None and CHROMIUM.exists()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FORECAST_DB": str(store)}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    out: dict = {"browser": browser_ok}
    with _browser(sync_playwright if browser_ok else None) as page:
        start = time.perf_counter()
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            while _get(f"{url}/_stcore/health")[0] != 200:
                if server.poll() is not None or time.perf_counter() - start > TIMEOUT_S:
                    raise RuntimeError("the app did not start")
                time.sleep(0.05)
            out["health_s"] = time.perf_counter() - start
            status, html = _get(url)
            out["html_s"] = time.perf_counter() - start
            out["html_ok"] = status == 200 and "<html" in html.lower()
            if page is not None:
                page.goto(url)
                _settle(page)
                out["first_page_s"] = time.perf_counter() - start
                out["page_s"] = {}
                for path in page_paths():
                    opened = time.perf_counter()
                    page.goto(f"{url}/{path}")
                    _settle(page)
                    out["page_s"][path] = time.perf_counter() - opened
            out["server_peak_mb"] = peak_mb(str(server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return out


class _browser:
    """A headless Chromium tab (None without Playwright or Chromium)."""

    def __init__(self, sync_playwright):
        self.factory, self.playwright, self.browser = sync_playwright, None, None

    def __enter__(self):
        if self.factory is None:
            return None
        self.playwright = self.factory().start()
        self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                       args=CHROMIUM_ARGS)
        page = self.browser.new_page()
        page.set_default_timeout(TIMEOUT_S * 1000)
        return page

    def __exit__(self, *exc) -> None:
        if self.browser is not None:
            self.browser.close()
            self.playwright.stop()


def main(argv: list[str] | None = None) -> int:
    print(json.dumps(measure(Path((argv or sys.argv[1:])[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
