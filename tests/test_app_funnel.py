"""AppTest: the Funnel page on funnel_company (every number worked out by hand in
test_funnel.py and funnel_company's docstring), and on a store with opportunities but no
leads. As of 2026-11-20, period 2026-Q4, team Vera VP."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from forecast import funnel

import funnel_company as fc
from apptest_helpers import metrics, open_app, use_store

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/funnel_page.py"


def _store(tmp_path, monkeypatch, loader) -> Path:
    def load(con):
        loader(con)
        # past quarters count from one entrant on (the default of 20 is for real volumes)
        funnel.save_setting(con, "min_past_entrants", "1")

    return use_store(tmp_path, monkeypatch, load, "funnel")


@pytest.fixture
def funnel_db(tmp_path, monkeypatch):
    yield _store(tmp_path, monkeypatch, fc.load)
    st.cache_resource.clear()


@pytest.fixture
def opportunities_only_db(tmp_path, monkeypatch):
    yield _store(tmp_path, monkeypatch, fc.load_opportunities_only)
    st.cache_resource.clear()


def _open(tmp_path: Path) -> AppTest:
    return open_app(PAGE)


def _frame(at: AppTest, column: str):
    """The first table on the page that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _note(at: AppTest, label: str) -> str:
    """The grey line under a metric."""
    return next(m.delta for m in at.metric if m.label == label)


def _steps(at: AppTest):
    return _frame(at, "conv_cumulative")


def test_period_and_cohort_views_strict_and_any(funnel_db, tmp_path):
    at = _open(tmp_path)
    shown = metrics(at)
    assert shown["MQL entrants"] == "8"
    assert shown["Won"] == "1"
    assert shown["MQL → Won"] == "12.5%"  # 1 of 8
    # SRL -> SQL 400 + win rate of existing deals 4000
    assert shown["Lost in leaks"] == "$4.4K"
    assert (shown["Biggest leak"], _note(at, "Biggest leak")) == ("$4.0K", "Win rate (existing)")
    assert list(_steps(at).entrants) == [8, 3, 2, 2, 2, 2, 1]
    assert list(_steps(at).label) == ["MQL", "SRL", "SQL", "Opportunity", "Discovery",
                                      "Proposal", "Won"]
    # speed to lead: 1/8 within 5 min, 3/7 within 30 min, 5/7 within a day, median 30.5
    assert shown["Answered within 5 min"] == "12.5%"
    assert shown["Within SLA (30 min)"] == "42.9%"
    assert shown["Within maximum (1 day)"] == "71.4%"
    assert shown["Median first response"] == "30.5 min"
    assert shown["No-show rate"] == "66.7%"
    assert shown["Untouched leads"] == "2"
    # the four V's of Q4: 5 x 16000/3 x 60 % / 47 days = $340/day
    assert shown["Sales velocity"] == "$340/day"
    assert shown["Velocity (cycle days)"] == "47.0 days"
    assert any("every earlier step" in (m.help or "") for m in at.metric
               if m.label == "MQL entrants")

    at.segmented_control(key="funnel_counting").set_value("any").run()
    shown = metrics(at)
    assert (shown["Won"], shown["MQL → Won"]) == ("3", "37.5%")
    assert list(_steps(at).entrants) == [8, 3, 3, 5, 5, 2, 3]

    at.segmented_control(key="funnel_counting").set_value("strict").run()
    at.segmented_control(key="funnel_view").set_value("cohort").run()
    assert not at.exception
    shown = metrics(at)
    assert (shown["Won"], shown["MQL → Won"]) == ("0", "0.0%")
    # SRL -> SQL 600 + existing win rate 6000
    assert (shown["Lost in leaks"], _note(at, "Lost in leaks")) == ("$6.6K", "vs benchmark")
    assert list(_steps(at).entrants) == [8, 2, 1, 1, 1, 1, 0]
    assert any("cohort view: leads created 2026-10-01 – 2026-11-20" in c.value
               for c in at.caption)


def test_split_reference_and_drill_down(funnel_db, tmp_path):
    at = _open(tmp_path)
    at.segmented_control(key="funnel_view").set_value("cohort").run()
    at.selectbox(key="funnel_split").set_value("source").run()
    assert not at.exception
    steps = _steps(at)
    event = steps[steps.split_value == "Event"]
    web = steps[steps.split_value == "Web"]
    assert list(event.entrants) == [3, 1, 0, 0, 0, 0, 0]
    assert list(web.entrants) == [5, 1, 1, 1, 1, 1, 0]
    leaks = _frame(at, "leak_vs_benchmark_usd").set_index("name")
    # Web: MQL -> SRL 1/5 is exactly the 20 % low end: no leak; Web new deals 0/1 won:
    # (0.30 - 0) x 1 x 1500 = 450
    assert leaks.loc["MQL → SRL · Web", "leak_vs_benchmark_usd"] == 0
    assert leaks.loc["Win rate (new) · Web", "leak_vs_benchmark_usd"] == pytest.approx(450)
    # the headline stays the whole team's
    assert metrics(at)["Lost in leaks"] == "$6.6K"

    at.selectbox(key="funnel_split").set_value(None).run()
    at.segmented_control(key="funnel_reference").set_value("past").run()
    shown = metrics(at)
    # MQL -> SRL 2100 + SRL -> SQL 1000 + Proposal -> Won 1500 + existing 8000 + new 1000
    assert shown["Lost in leaks"] == "$13.6K"
    assert _note(at, "Lost in leaks") == "vs best past quarter"
    assert (shown["Biggest leak"], _note(at, "Biggest leak")) == ("$8.0K", "Win rate (existing)")

    at.segmented_control(key="funnel_view").set_value("period").run()
    at.selectbox(key="funnel_drill").set_value("leak|srl>sql").run()
    assert not at.exception
    assert list(_frame(at, "journey_id").journey_id) == ["B3"]  # an SRL of Q4, never an SQL
    at.selectbox(key="funnel_drill").set_value("bucket|2").run()
    assert sorted(_frame(at, "response_minutes").lead_id) == ["B1", "B6"]  # 30 and 6 min
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]


def test_page_renders_with_opportunities_but_no_leads(opportunities_only_db, tmp_path):
    at = _open(tmp_path)
    warnings = " ".join(w.value for w in at.warning)
    assert "No lead data: MQL, SRL and SQL are missing" in warnings
    assert "Side step: Prospecting (0 of 4)" in warnings
    shown = metrics(at)
    assert shown["Opportunity entrants"] == "4"
    assert shown["Won"] == "2"
    assert shown["Opportunity → Won"] == "50.0%"
    assert list(_steps(at).label) == ["Opportunity", "Prospecting", "Engaging", "Won"]
    assert list(_steps(at).entrants) == [4, 0, 4, 2]
    assert any("Speed to lead needs lead data" in i.value for i in at.info)



def test_a_past_as_of_date_cuts_the_funnel_there(funnel_db, tmp_path, monkeypatch):
    """As of 2026-10-15 (not the data date: the funnel's tables are built for that date, on
    a cursor kept for that team and date): D2's win (10-20) has not happened, B11's MQL
    (10-15 09:00) has; any stage, Q4 up to 10-15 (see
    test_funnel.test_team_scope_and_as_of_cut)."""
    builds = []
    build = funnel._build_temporary
    monkeypatch.setattr(funnel, "_build_temporary",
                        lambda con, key, *args: builds.append(key) or build(con, key, *args))
    at = _open(tmp_path)
    at.sidebar.date_input(key="as_of_date").set_value(date(2026, 10, 15)).run()
    at.segmented_control(key="funnel_counting").set_value("any").run()
    assert not at.exception
    assert list(_steps(at).entrants) == [7, 3, 3, 4, 4, 0, 0]
    assert any("period view: events 2026-10-01 – 2026-10-15" in c.value for c in at.caption)
    # back to the data date: the store's tables again
    at.sidebar.date_input(key="as_of_date").set_value(fc.AS_OF).run()
    assert list(_steps(at).entrants) == [8, 3, 3, 5, 5, 2, 3]
    # that date again, split and in the cohort view: new reports, the tables built once
    at.sidebar.date_input(key="as_of_date").set_value(date(2026, 10, 15)).run()
    at.selectbox(key="funnel_split").set_value("source").run()
    assert _steps(at).groupby("label", sort=False).entrants.sum().tolist() == [
        7, 3, 3, 4, 4, 0, 0]  # every lead has one source
    at.segmented_control(key="funnel_view").set_value("cohort").run()
    assert not at.exception
    assert len(builds) == 1 and builds[0].startswith("2026-10-15|")
