"""In a real browser: every page the sidebar offers opens, draws, and shows no error."""

from __future__ import annotations

from harness import page_paths, page_titles


def test_every_page_app_py_declares_opens_from_the_sidebar_without_errors(ui):
    assert list(ui.nav_links()) == page_titles()
    for title in ui.nav_links():
        ui.go(title)
        assert ui.page.locator("h1").count() >= 1, f"{title}: no heading drawn"
        ui.shot(title.lower().replace(" ", "-"))
        ui.assert_clean()


def test_a_link_to_a_page_is_the_first_visit_after_a_start(new_tab, fresh_app):
    """A shared link or bookmark opened before anyone has opened the app since its start
    still runs the page inside app.py (forecast.ui.frame)."""
    server, _ = fresh_app
    visitor = new_tab(server, first_visit=True).open(page_paths()["Rollup"])
    assert visitor.title() == "Rollup"
    assert list(visitor.nav_links()) == page_titles()
    visitor.assert_clean()
