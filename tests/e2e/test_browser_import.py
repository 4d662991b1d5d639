"""In a real browser: a file uploaded on the Data page is imported, its bad row and a file
that is not a table are reported in plain words, and the pages then show the new numbers.

Each test has an app of its own on a new small demo store, uploads its deals there and
imports the same file with the library into a copy of the store taken before the app
started, so the copy holds what the app should hold.
"""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from forecast import hierarchy, importing
from forecast.calendar import period_containing

import expected


def _deals_file(folder, con, first: int):
    """Two new Commit deals of a rep closing this quarter and one row with no usable amount
    (ids E2E-<first>..): the form's "Export taken on" is today, so they count today."""
    close = period_containing(date.today()).end_date
    people = hierarchy.people_as_of(con, expected.defaults(con).as_of)
    rep = people[people.team_size == 1].person_id.iloc[0]
    path = folder / f"new-deals-{first}.csv"
    path.write_text(
        "opportunity_id,opportunity_name,owner_id,amount,stage_name,close_date\n"
        f"E2E-{first},Browser test one,{rep},2500000,Negotiation,{close}\n"
        f"E2E-{first + 1},Browser test two,{rep},1250000,Negotiation,{close}\n"
        f"E2E-{first + 2},Browser test three,{rep},lots,Negotiation,{close}\n")
    return path


def _upload(ui, *paths) -> None:
    ui.page.get_by_role("tab", name="Import", exact=True).click()
    ui.page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(list(paths))
    ui.settle()
    ui.page.get_by_role("button", name="Import", exact=True).click()
    ui.settle()


def _overview_now(con) -> dict[str, str]:
    d = expected.defaults(con)
    return expected.overview_metrics(con, d.root_id, d.period_id, d.as_of)


def test_upload_reports_every_row_and_the_next_visit_shows_the_deals(new_tab, fresh_app,
                                                                     tmp_path):
    server, con = fresh_app
    deals = _deals_file(tmp_path, con, first=1)
    picture = tmp_path / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))

    ui = new_tab(server).open().go("Data")
    _upload(ui, deals, picture)
    # 3 rows read: E2E-1 and E2E-2 loaded, E2E-3 rejected for its amount
    expect(ui.page.get_by_test_id("stAlertContentWarning").filter(
        has_text=deals.name)).to_contain_text("3 rows read, 2 loaded, 1 rejected.")
    expect(ui.page.get_by_test_id("stAlertContentError").filter(
        has_text="photo.csv")).to_contain_text("a PNG image")
    ui.shot("data-import-results")
    ui.assert_clean(expected_errors=("photo.csv",))

    before = _overview_now(con)
    importing.import_file(con, deals, as_of=date.today())
    visitor = new_tab(server).open()  # a new session starts on the latest data
    shown = visitor.metrics()
    assert shown == _overview_now(con)
    assert shown["Commit forecast"] != before["Commit forecast"]
    visitor.assert_clean()


def test_the_person_who_imports_sees_the_new_deals(new_tab, fresh_app, tmp_path):
    server, con = fresh_app
    deals = _deals_file(tmp_path, con, first=11)
    ui = new_tab(server).open().go("Data")
    _upload(ui, deals)
    importing.import_file(con, deals, as_of=date.today())
    ui.go("Overview")
    assert ui.metrics() == _overview_now(con)
