"""One browser tab on the app, with the waits and checks every browser test needs.

Every action waits for Streamlit to finish the script run it started before the test looks,
and every look can be followed by `assert_clean()`: no exception box, no unexpected error
message, no console error. Screenshots go to one folder and are listed when a test fails.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Download, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from harness import CONNECTED, ERROR, EXCEPTION, IDLE, NAV_LINK, SKELETON, is_console_error

WAIT_MS = 30_000
# The frontend shows a script run a moment after the message that starts it is sent: wait
# this long before trusting "notRunning" (Streamlit's own browser tests do the same).
RUN_START_MS = 250


class AppPage:
    def __init__(self, context: BrowserContext, base_url: str, shots: Path, name: str):
        self.context, self.base_url, self.shots_dir, self.name = context, base_url, shots, name
        self.page: Page = context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.console_errors: list[str] = []
        self.shots: list[Path] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        url = message.location.get("url", "")
        if is_console_error(message.type, message.text, url):
            self.console_errors.append(f"{message.text} ({url})")

    # ---- moving around ------------------------------------------------------------------

    def open(self, path: str = "") -> AppPage:
        self.page.goto(f"{self.base_url}/{path}")
        return self.settle()

    def settle(self) -> AppPage:
        """Wait until the script run in progress (if any) ended and every element is drawn."""
        self.page.wait_for_timeout(RUN_START_MS)
        self.page.wait_for_selector(CONNECTED, state="attached")
        self.page.wait_for_selector(IDLE, state="attached")
        expect(self.page.locator(SKELETON)).to_have_count(0, timeout=WAIT_MS)
        return self

    def nav_links(self) -> dict[str, str]:
        """Page title -> URL, as the sidebar lists them."""
        links = self.page.locator(NAV_LINK)
        return {link.locator("span[label]").get_attribute("label"): link.get_attribute("href")
                for link in links.all()}

    def go(self, title: str) -> AppPage:
        self.page.locator(NAV_LINK).filter(
            has=self.page.locator(f"span[label='{title}']")).click()
        return self.settle()

    # ---- reading ------------------------------------------------------------------------

    def title(self) -> str:
        return self.page.locator("h1").first.inner_text().strip()

    def metrics(self) -> dict[str, str]:
        found = {}
        for m in self.page.get_by_test_id("stMetric").all():
            label = m.get_by_test_id("stMetricLabel").inner_text().strip()
            found[label] = m.get_by_test_id("stMetricValue").inner_text().strip()
        return found

    def captions(self) -> list[str]:
        return [c.inner_text().strip()
                for c in self.page.get_by_test_id("stCaptionContainer").all()]

    def caption_with(self, text: str) -> Locator:
        return self.page.get_by_test_id("stCaptionContainer").filter(has_text=text).first

    def selectbox(self, label: str) -> Locator:
        return self.page.get_by_test_id("stSelectbox").filter(
            has=self.page.get_by_test_id("stWidgetLabel").filter(has_text=label)).first

    def choose(self, label: str, option: str) -> AppPage:
        """Pick the option of selectbox `label` whose text contains `option`."""
        field = self.selectbox(label).locator("input")
        field.click()
        field.fill(option)  # the list is virtual: filter it so the option is drawn
        self.page.get_by_role("option").filter(
            has_text=re.compile(re.escape(option))).first.click()
        return self.settle()

    def open_tab(self, label: str) -> AppPage:
        self.page.get_by_role("tab", name=label, exact=True).click()
        return self.settle()

    def pick(self, group: str, option: str) -> AppPage:
        """Press `option` of segmented control `group`."""
        self.page.get_by_role("radiogroup", name=group).get_by_role(
            "radio", name=option, exact=True).click()
        return self.settle()

    def shown_choice(self, label: str) -> str:
        # The searchable selectbox shows its choice as text or as its input's value.
        box = self.selectbox(label)
        return f"{box.inner_text().strip()} {box.locator('input').input_value()}"

    def download(self, button: str, nth: int = 0) -> Download:
        """The file a download button gives. A click that lands while a rerun is replacing
        the button (a rerun that had not started when `settle` looked) gives nothing, so
        the click is tried once more after the page has settled."""
        buttons = self.page.get_by_test_id("stDownloadButton").filter(has_text=button)
        try:
            with self.page.expect_download(timeout=WAIT_MS / 2) as info:
                buttons.nth(nth).click()
        except PlaywrightTimeoutError:
            self.settle()
            with self.page.expect_download() as info:
                buttons.nth(nth).click()
        self.settle()
        return info.value

    # ---- checking -----------------------------------------------------------------------

    def shot(self, label: str) -> Path:
        """A screenshot of the whole page: Streamlit scrolls inside its main area, so the
        viewport is stretched to the content's height for the picture."""
        size = self.page.viewport_size
        height = self.page.evaluate(
            "() => Math.max(...[...document.querySelectorAll("
            "'[data-testid=stMain], [data-testid=stSidebarContent]')].map(e => e.scrollHeight))")
        self.page.set_viewport_size({"width": size["width"], "height": min(int(height), 12000)})
        self.page.wait_for_timeout(400)  # charts redraw for the new size
        path = self.shots_dir / f"{self.name}-{len(self.shots):02d}-{label}.png"
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size(size)
        self.shots.append(path)
        return path

    def assert_clean(self, expected_errors: tuple[str, ...] = ()) -> None:
        """No exception box, no error message other than `expected_errors` (substrings),
        no console error since the page opened."""
        exceptions = [e.inner_text() for e in self.page.locator(EXCEPTION).all()]
        assert not exceptions, f"exception shown on {self.page.url}: {exceptions}"
        errors = [e.inner_text() for e in self.page.locator(ERROR).all()]
        unexpected = [e for e in errors if not any(x in e for x in expected_errors)]
        assert not unexpected, f"error message shown on {self.page.url}: {unexpected}"
        assert not self.console_errors, f"browser console errors: {self.console_errors}"
