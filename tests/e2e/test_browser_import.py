"""In a real browser: a file uploaded on the Data page is imported, its bad row and a file
that is not a table are reported in plain words, and the other pages show the new numbers."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from forecast import db, hierarchy, importing
from forecast.calendar import period_containing

import expected


def _upload_files(folder, con) -> tuple:
    """Two new Commit deals of a rep closing this quarter, one row with no usable amount,
    and a picture saved under a .csv name."""
    today = date.today()  # the date the Data page's "Export taken on" starts from
    close = period_containing(today).end_date
    people = hierarchy.people_as_of(con, expected.defaults(con).as_of)
    rep = people[people.team_size == 1].person_id.iloc[0]
    deals = folder / "new-deals.csv"
    deals.write_text(
        "opportunity_id,opportunity_name,owner_id,amount,stage_name,close_date\n"
        f"E2E-1,Browser test one,{rep},2500000,Negotiation,{close}\n"
        f"E2E-2,Browser test two,{rep},1250000,Negotiation,{close}\n"
        f"E2E-3,Browser test three,{rep},lots,Negotiation,{close}\n")
    picture = folder / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return deals, picture


def test_upload_on_the_data_page_reaches_every_page(new_tab, fresh_app, tmp_path):
    server, before = fresh_app
    con = db.connect(before)
    deals, picture = _upload_files(tmp_path, con)

    ui = new_tab(server).open().go("Data")
    ui.page.get_by_role("tab", name="Import", exact=True).click()
    ui.page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([deals, picture])
    ui.page.get_by_role("button", name="Import", exact=True).click()
    ui.settle()
    # 3 rows read: E2E-1 and E2E-2 loaded, E2E-3 rejected for its amount
    expect(ui.page.get_by_test_id("stAlertContentWarning").filter(
        has_text="new-deals.csv")).to_contain_text("3 rows read, 2 loaded, 1 rejected.")
    expect(ui.page.get_by_test_id("stAlertContentError").filter(
        has_text="photo.csv")).to_contain_text("a PNG image")
    ui.shot("data-import-results")
    ui.assert_clean(expected_errors=("photo.csv",))

    # the same file through the library, on the copy taken before the app started
    d = expected.defaults(con)
    unchanged = expected.overview_metrics(con, d.root_id, period_containing(date.today())
                                          .period_id, d.as_of)
    importing.import_file(con, deals, as_of=date.today())
    d = expected.defaults(con)
    ui.go("Overview")
    shown = ui.metrics()
    assert shown == expected.overview_metrics(con, d.root_id, d.period_id, d.as_of)
    assert shown["Commit forecast"] != unchanged["Commit forecast"]
    ui.assert_clean()
    con.close()
