"""In a real browser: the main controls of each page change what is shown, and what is shown
is the library's number for the new choice (worked out on a copy of the same store)."""

from __future__ import annotations

import io

import pandas as pd
from playwright.sync_api import expect

from forecast import charts, export, formatting, overview

import expected


def _csv(download) -> pd.DataFrame:
    return pd.read_csv(download.path())


def _library_csv(table: pd.DataFrame) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(export.to_csv(table)))


def test_overview_follows_period_and_team(ui, reference):
    d = expected.defaults(reference)
    assert ui.metrics() == expected.overview_metrics(reference, d.root_id, d.period_id, d.as_of)

    ui.choose("Period", d.previous_period_id)
    expect(ui.caption_with("'s team ·")).to_contain_text(d.previous_period_id)
    assert ui.metrics() == expected.overview_metrics(reference, d.root_id,
                                                     d.previous_period_id, d.as_of)

    manager_id, manager = expected.direct_report_with_team(reference, d.root_id, d.as_of)
    ui.choose("Team", manager)
    expect(ui.caption_with("'s team ·")).to_contain_text(f"{manager}'s team")
    assert ui.metrics() == expected.overview_metrics(reference, manager_id,
                                                     d.previous_period_id, d.as_of)
    ui.shot("overview-manager-previous-quarter")
    ui.assert_clean()

    ui.go("Forecast review")  # the choices follow the person to the next page
    expect(ui.caption_with("'s team ·")).to_contain_text(
        f"{manager}'s team · {d.previous_period_id}")
    ui.assert_clean()


def test_forecast_review_single_category_toggle_and_csv(ui, reference):
    d = expected.defaults(reference)
    ui.go("Forecast review")
    f = expected.forecast(reference, d.root_id, d.period_id, d.as_of)

    cumulative = _csv(ui.download("Download CSV", nth=0))
    pd.testing.assert_frame_equal(cumulative, _library_csv(overview.forecast_table(f, True)))
    assert "commit_forecast" in cumulative.columns

    ui.page.get_by_test_id("stCheckbox").filter(has_text="Single-category view").click()
    ui.settle()
    single = _csv(ui.download("Download CSV", nth=0))
    pd.testing.assert_frame_equal(single, _library_csv(overview.forecast_table(f, False)))
    assert {"commit_amount", "pipeline_amount"} <= set(single.columns)
    assert "commit_forecast" not in single.columns
    ui.shot("forecast-review-single-category")
    ui.assert_clean()


def test_forecast_review_bar_click_opens_its_deals(ui, reference):
    d = expected.defaults(reference)
    ui.go("Forecast review")
    rows = charts._cap_rows(expected.forecast(reference, d.root_id, d.period_id, d.as_of).rows)
    at = int(rows.commit_amount.to_numpy().argmax())  # the tallest Commit bar
    member = rows.iloc[at]
    commit_layer = ui.page.locator(".stPlotlyChart .barlayer .trace").nth(1)
    bar = commit_layer.locator(".point").nth(at)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    # plotly's drag layer takes the click and finds the bar under it; low in the bar, away
    # from the quota mark
    ui.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 4)
    ui.settle()
    expect(ui.page.get_by_role("tab", name="Deals", exact=True)).to_have_attribute(
        "aria-selected", "true")
    assert member["name"] in ui.shown_choice("Deals of")
    assert "Commit" in ui.shown_choice("Behind")
    expect(ui.caption_with(" deals, ")).to_contain_text(
        f"deals, {formatting.currency_exact(member.commit_amount)}.")
    ui.shot("forecast-review-bar-drill")
    ui.assert_clean()


def test_rollup_row_click_drills_into_that_person(ui, reference):
    d = expected.defaults(reference)
    ui.go("Rollup")
    ladder = ui.page.get_by_test_id("stDataFrame").first
    second_row = ladder.locator("table tbody tr").nth(1).locator("td").first
    person = second_row.inner_text().strip()
    assert expected.manager_of(reference, person, d.as_of) == d.root_id

    box = ladder.locator("canvas").first.bounding_box()
    row_px = 35  # Streamlit's row height; the header row is as tall
    ui.page.mouse.click(box["x"] + 12, box["y"] + row_px * 1.5 + row_px)
    ui.settle()
    expect(ui.caption_with("'s team ·")).to_contain_text(f"{person}'s team")
    assert person in ui.shown_choice("Team")
    ui.shot("rollup-drilled")
    ui.assert_clean()


def test_funnel_switches_between_period_and_cohort_view(ui, reference):
    d = expected.defaults(reference)
    ui.go("Funnel")
    for view, button in (("period", None), ("cohort", "Cohort")):
        if button:
            ui.pick("View", button)
        window, label, entrants = expected.funnel_headline(reference, d.root_id, d.period_id,
                                                           d.as_of, view)
        expect(ui.caption_with(" view: ")).to_contain_text(window)
        assert ui.metrics()[label] == entrants, view
    ui.shot("funnel-cohort")
    ui.assert_clean()
