"""Browser tests: the app in headless Chromium on a small temporary demo company.

One `streamlit run app.py` process and one browser serve the whole run; each test gets a new
browser context, so a new Streamlit session with its own sidebar choices. The expected
numbers come from the library reading a copy of the same store (the app process holds the
store's file lock while it runs).

    E2E_STORE=path/to/store.duckdb   run on a copy of that store instead of a fresh demo
    E2E_SHOTS=folder                 keep the screenshots there (default: a temporary folder)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from forecast import db

from app_page import AppPage
from harness import (
    CHROMIUM_ARGS,
    NO_CHROMIUM,
    AppServer,
    build_demo_store,
    chromium_installed,
    chromium_path,
)

VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not chromium_installed():
        pytest.fail(NO_CHROMIUM, pytrace=False)  # fail, never skip, so no run passes without them
    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A small demo company, built once and never opened by an app: each app gets a copy."""
    return build_demo_store(tmp_path_factory.mktemp("e2e_demo") / "demo.duckdb", reps=12)


@pytest.fixture(scope="session")
def app_store(small_demo, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("e2e_store") / "app.duckdb"
    shutil.copyfile(os.environ.get("E2E_STORE") or small_demo, path)
    return path


@pytest.fixture(scope="session")
def reference(app_store, tmp_path_factory):
    """A connection to a copy of the app's store, taken before the app opened it."""
    copy = tmp_path_factory.mktemp("e2e_reference") / "reference.duckdb"
    shutil.copyfile(app_store, copy)
    con = db.connect(copy)
    yield con
    con.close()


def _serve(store: Path, log: Path) -> AppServer:
    server = AppServer(store, log)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    return server


@pytest.fixture(scope="session")
def start_app():
    """`start_app(store, log)`: a running app on `store` (the caller stops it)."""
    return _serve


@pytest.fixture(scope="session")
def app(app_store, reference, tmp_path_factory):
    server = _serve(app_store, tmp_path_factory.mktemp("e2e_logs") / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture
def fresh_app(small_demo, tmp_path):
    """An app of its own on a new small demo store, for a test that changes the data or needs
    a server nobody has visited; with a connection to a copy of the store as it was before
    the app opened it."""
    store = tmp_path / "own.duckdb"
    shutil.copyfile(small_demo, store)
    shutil.copyfile(small_demo, tmp_path / "copy.duckdb")
    con = db.connect(tmp_path / "copy.duckdb")
    server = _serve(store, tmp_path / "app.log")
    yield server, con
    server.stop()
    con.close()


@pytest.fixture(scope="session")
def shots_dir(request) -> Path:
    """Screenshots: in $E2E_SHOTS, else a folder of their own that is removed when every
    test passed and kept (its path printed) when one failed."""
    if os.environ.get("E2E_SHOTS"):
        folder = Path(os.environ["E2E_SHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="forecast-e2e-screenshots-"))
    yield folder
    if request.session.testsfailed:
        print(f"\nBrowser test screenshots kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_context(browser):
    """One context for the run, so the app's scripts are fetched and compiled once; each
    tab in it is a Streamlit session of its own."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def new_tab(browser, browser_context, shots_dir, request):
    """`new_tab(server)`: a new tab on `server`, so a new session with default choices;
    `new_tab(server, first_visit=True)`: in a browser that has never seen the app."""
    tabs, contexts = [], []

    def open_tab(server: AppServer, first_visit: bool = False) -> AppPage:
        context = browser_context
        if first_visit:
            context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
            contexts.append(context)
        tab = AppPage(context, server.url, shots_dir, request.node.name)
        tabs.append(tab)
        request.node.e2e_tabs = tabs
        return tab

    yield open_tab
    for tab in tabs:
        tab.page.close()
    for context in contexts:
        context.close()


@pytest.fixture
def ui(new_tab, app) -> AppPage:
    """A page of the shared app, opened on its default page."""
    return new_tab(app).open()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure: a last screenshot, and the paths of every screenshot the test took."""
    report = yield
    tabs = getattr(item, "e2e_tabs", [])
    if report.when == "call" and report.failed and tabs:
        lines = []
        for tab in tabs:
            try:
                tab.shot("at-failure")
            except Exception as exc:  # noqa: BLE001 - the browser may be the thing that broke
                lines.append(f"(no screenshot at failure: {exc})")
            lines += [str(p) for p in tab.shots]
        report.sections.append(("screenshots", "\n".join(lines)))
    return report
