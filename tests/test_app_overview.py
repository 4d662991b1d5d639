"""AppTest: the app frame and Overview page show the tiny company's hand-worked numbers."""

from __future__ import annotations

from datetime import date

from apptest_helpers import metrics as _metrics
from apptest_helpers import open_app as _app


def test_overview_shows_vp_team_numbers(tiny_db):
    at = _app()
    assert at.sidebar.selectbox(key="team_id").value == "V"
    assert at.sidebar.selectbox(key="period_id").value == "2026-Q4"
    shown = _metrics(at)
    assert shown["Closed"] == "$100"
    assert shown["Commit forecast"] == "$1.3K"
    assert shown["Best Case forecast"] == "$1.6K"  # 1,650 rounds to 1.6K (banker's rounding)
    assert shown["Open pipeline"] == "$1.9K"  # 1,950
    assert shown["Quota"] == "$3.0K"
    assert shown["Attainment"] == "3.3%"
    assert shown["Pipeline coverage"] == "0.67x"
    assert "Closed + Commit" in at.metric[1].help


def test_changing_team_and_as_of_date(tiny_db):
    at = _app()
    at.sidebar.selectbox(key="team_id").set_value("M1").run()
    assert _metrics(at)["Commit forecast"] == "$300"  # D1 100 + D2 200
    at.sidebar.date_input(key="as_of_date").set_value(date(2026, 10, 30)).run()
    assert not at.exception
    shown = _metrics(at)
    # on 2026-10-30 R2 still reported to M1: best case D2 200 + D5 500, pipeline D4 400
    assert shown["Best Case forecast"] == "$800"
    assert shown["Open pipeline"] == "$1.1K"
    assert "weekly snapshot of 2026-10-30" in at.caption[0].value


def test_period_without_deals_says_so(tiny_db):
    at = _app()
    at.sidebar.selectbox(key="period_id").set_value("2026-Q1").run()
    assert any("No deals close in 2026-Q1" in i.value for i in at.info)


def test_period_without_quota_warns_and_still_shows_deals(tiny_db):
    at = _app()
    at.sidebar.selectbox(key="period_id").set_value("2027-Q1").run()
    assert any("No quota is set for Vera VP in 2027-Q1" in w.value for w in at.warning)
    shown = _metrics(at)
    assert shown["Commit forecast"] == "$700"  # D8, Negotiation
    assert shown["Attainment"] == "–" and shown["Pipeline coverage"] == "–"
