"""The app in a real browser: start `streamlit run app.py` on a store, drive Debian's Chromium.

Shared by the browser tests (tests/e2e) and the load test (bench/load_test.py). Browsers
cannot be downloaded here, so Playwright drives the system's /usr/bin/chromium; `./dev test`
installs it with apt-get when it is missing.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
NO_CHROMIUM = (f"Chromium is not installed at {CHROMIUM}, so the browser tests cannot run: "
               "install Debian's package (apt-get install chromium) or run ./dev test, "
               "which installs it.")

# Streamlit's own state flags on the app root: connected to the server, and no script run
# in progress. Lazily loaded elements (charts, tables) show a skeleton until they are drawn.
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SKELETON = "[data-testid='stSkeleton']"
EXCEPTION = "[data-testid='stException']"
ERROR = "[data-testid='stAlertContentError']"
NAV_LINK = "[data-testid='stSidebarNav'] a"

# Opening a page by its own URL makes Streamlit's frontend probe /<page>/_stcore/health and
# /<page>/_stcore/host-config before the app root (streamlit/streamlit#7074, open). The 404s
# are Streamlit's, not the app's, and are the only console errors allowed.
_DEEP_LINK_PROBE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")


def page_titles() -> list[str]:
    """The page titles app.py declares, in order: what the sidebar must offer."""
    return list(page_paths())


def page_paths() -> dict[str, str]:
    """Title -> URL path of each page app.py declares (Streamlit names it after the file)."""
    found = re.findall(r"st\.Page\(\"([^\"]+)\"[^)]*?title=\"([^\"]+)\"",
                       (ROOT / "app.py").read_text())
    return {title: Path(file).stem for file, title in found}


def chromium_installed() -> bool:
    return CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)


def chromium_path() -> str:
    if not chromium_installed():
        raise RuntimeError(NO_CHROMIUM)
    return str(CHROMIUM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_console_error(kind: str, text: str, url: str) -> bool:
    """A console message that fails a browser test (Streamlit's deep-link probes excepted)."""
    if kind != "error":
        return False
    return not (text.startswith("Failed to load resource") and _DEEP_LINK_PROBE.search(url))


@dataclass
class AppServer:
    """A `streamlit run app.py` process on one store, on a free localhost port."""

    store: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90) -> AppServer:
        env = {**os.environ, "FORECAST_DB": str(self.store)}
        command = [sys.executable, "-m", "streamlit", "run", "app.py",
                   "--server.headless", "true", "--server.address", "127.0.0.1",
                   "--server.port", str(self.port), "--server.fileWatcherType", "none",
                   "--browser.gatherUsageStats", "false"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        self._wait_healthy(timeout_s)
        return self

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The app stopped while starting (exit code "
                                   f"{self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"The app did not answer /_stcore/health within {timeout_s:.0f} s:"
                           f"\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> AppServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def build_demo_store(path: Path, reps: int = 12) -> Path:
    """A small demo company, built by the command line exactly as a user would."""
    subprocess.run([sys.executable, "-m", "forecast", "--db", str(path), "demo",
                    "--reps", str(reps)], cwd=ROOT, check=True, capture_output=True)
    return path
