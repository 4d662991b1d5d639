"""AppTest: the Forecast review page on the tiny company (numbers worked out by hand)."""

from __future__ import annotations

from datetime import date

from forecast import charts
from forecast.ui import review

from apptest_helpers import metrics, open_app

PAGE = "pages/forecast_review.py"


def _open_tab(at, label):
    at.session_state[review.KEY_TAB] = label
    return at.run()


def _frame_with(at, column):
    """The shown table that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _table(at):
    return at.dataframe[0].value.set_index("label")


def test_cumulative_and_single_category_views(tiny_db):
    at = open_app(PAGE)
    table = _table(at)
    assert table.loc["Max Manager", "commit_forecast"] == 300
    assert table.loc["Mia Manager", "best_case_forecast"] == 1000  # commit D7, no best case
    assert table.loc["Vera VP's team (total)", "upside"] == 350
    at.toggle(key="single_category").set_value(True).run()
    table = _table(at)
    assert table.loc["Max Manager", "best_case_amount"] == 350  # D3 300 + D6 50
    assert table.loc["Mia Manager", "pipeline_amount"] == 400
    assert metrics(at)["Upside"] == "$350"


def test_only_the_open_tab_is_drawn(tiny_db):
    at = open_app(PAGE)
    assert [t.label for t in at.tabs] == ["Commit vs upside", "Deals", "What moved", "The call"]
    shown = [list(d.value.columns) for d in at.dataframe]
    assert len(shown) == 1 and "commit_forecast" in shown[0]  # the team table only
    assert not at.main.date_input and not at.main.number_input  # no comparison, no call form
    _open_tab(at, "The call")
    assert [list(d.value.columns)[0] for d in at.dataframe] == ["Person"]
    assert metrics(at)["Commit forecast"] == "$1.3K"  # the headline stays above the tabs


def test_deals_behind_a_member_and_column(tiny_db):
    at = _open_tab(open_app(PAGE), "Deals")
    at.selectbox(key="drill_member").set_value("M1").run()
    at.selectbox(key="drill_column").set_value("commit_forecast").run()
    deals = _frame_with(at, "opportunity_id")
    assert sorted(deals.opportunity_id) == ["D1", "D2"]
    assert any("2 deals, $300" in c.value for c in at.caption)


def test_a_bar_stands_for_its_member_and_column(tiny_db):
    """What a click on a bar of the team's chart opens on the Deals tab."""
    at = open_app(PAGE)
    bars = charts.commit_upside_bars(review.cached.member_rows(
        review.cached.team_forecast("V", "2026-Q4", date(2026, 11, 20))))
    commit = next(t for t in bars.data if t.name == "Commit")
    max_bar = next(list(d) for d in commit.customdata if d[0] == "M1")
    clicked = {"selection": {"points": [{"customdata": max_bar}]}}
    assert review.deal_pick_of(clicked) == ("M1", "commit_amount")
    quota_mark = {"x": "Max Manager", "y": 400}  # a point without customdata
    assert review.deal_pick_of({"selection": {"points": [quota_mark]}}) is None
    assert review.deal_pick_of({"selection": {"points": [quota_mark, *clicked["selection"][
        "points"]]}}) == ("M1", "commit_amount")
    assert review.deal_pick_of({"selection": {"points": []}}) is None
    assert review.deal_pick_of(None) is None
    at.session_state[review.KEY_MEMBER], at.session_state[review.KEY_COLUMN] = max_bar
    deals = _frame_with(_open_tab(at, "Deals"), "opportunity_id")
    assert deals.opportunity_id.tolist() == ["D2"]  # Max's one Commit deal; D1 is closed


def test_choices_in_a_tab_are_kept_while_another_is_open(tiny_db):
    at = open_app(PAGE)
    at.toggle(key="single_category").set_value(True).run()
    _open_tab(at, "What moved")
    at.date_input(key="compare_from").set_value(date(2026, 10, 30)).run()
    _open_tab(at, "Deals")
    at.selectbox(key="drill_member").set_value("M2").run()
    _open_tab(at, "What moved")
    assert at.date_input(key="compare_from").value == date(2026, 10, 30)
    _open_tab(at, "Deals")
    assert at.selectbox(key="drill_member").value == "M2"
    _open_tab(at, "Commit vs upside")
    assert at.toggle(key="single_category").value
    assert "commit_amount" in _table(at).columns


def test_recording_a_call_shows_it_beside_the_system(tiny_db):
    at = _open_tab(open_app(PAGE), "The call")
    at.number_input(key="call_commit").set_value(1250.0)
    at.number_input(key="call_best").set_value(1600.0)
    at.text_input(key="call_note").set_value("=cmd|' /C calc'!A0 stays text")
    at.text_input(key="call_by").set_value("Vera")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert any("Call recorded" in s.value for s in at.success)
    calls = _frame_with(at, "Person").set_index("Person")
    assert calls.loc["Vera VP", "Call: commit"] == "$1,250"
    assert calls.loc["Vera VP", "System commit"] == "$1,300"
    assert calls.loc["Vera VP", "Note"] == "=cmd|' /C calc'!A0 stays text"
    assert calls.loc["Max Manager", "Stale"] == "no call"


def test_past_as_of_date_hides_the_call_form(tiny_db):
    at = open_app(PAGE)
    at.sidebar.date_input(key="as_of_date").set_value(date(2026, 11, 13)).run()
    assert _table(at).loc["Vera VP's team (total)", "best_case_forecast"] == 1100
    _open_tab(at, "The call")
    assert any("current week only" in i.value for i in at.info)
    assert not at.number_input
    _open_tab(at, "Commit vs upside")
    assert _table(at).loc["Vera VP's team (total)", "best_case_forecast"] == 1100


def test_what_moved_between_two_snapshots(tiny_db):
    at = _open_tab(open_app(PAGE), "What moved")
    # live 2026-11-20 against the default: the last snapshot before that week, 2026-11-13
    assert at.date_input(key="compare_from").value == date(2026, 11, 13)
    # no deals are read until a bar is picked
    assert not any("bucket" in d.value.columns for d in at.dataframe)
    at.selectbox(key="moved_bucket").set_value("Pulled in").run()
    moved = _frame_with(at, "bucket")
    assert moved.opportunity_id.tolist() == ["D7"]  # close date moved from January into Q4
    assert moved.value.tolist() == [1000]
    assert any(c.value == "Pulled in: 1 deals, $1,000." for c in at.caption)
    at.date_input(key="compare_from").set_value(date(2026, 10, 30)).run()
    caption = next(c.value for c in at.caption if c.value.startswith("From"))
    # Start on 2026-10-30: D2 200, D4 400, D5 500 (Q4, V's team); End now: D2 200, D3 300,
    # D4 400, D6 50, D7 1000
    assert "End $1.9K = Start $1.1K" in caption
    assert "Created $350" in caption and "Pulled in $1.0K" in caption and "Lost $500" in caption




def test_changing_team_and_a_comparison_date_before_history(tiny_db):
    at = open_app(PAGE)
    at.sidebar.selectbox(key="team_id").set_value("M2").run()
    table = _table(at)
    assert table.loc["Rae Rep", "open_pipeline"] == 400  # D4
    assert table.loc["Ray Rep", "commit_forecast"] == 1000  # D7
    assert table.loc["Mia Manager's team (total)", "best_case_forecast"] == 1000
    _open_tab(at, "What moved")
    at.date_input(key="compare_from").set_value(date(2026, 9, 1)).run()
    assert not at.exception
    assert any("no history before 2026-10-30" in w.value.lower() for w in at.warning)


def test_changing_period_to_one_without_quota(tiny_db):
    at = open_app(PAGE)
    at.sidebar.selectbox(key="period_id").set_value("2027-Q1").run()
    assert not at.exception
    # 2027-Q1 holds D8 alone now (R3, Negotiation: Commit, 700); D7 was pulled into Q4
    table = _table(at)
    assert table.loc["Mia Manager", "commit_forecast"] == 700
    assert table.loc["Max Manager", "best_case_forecast"] == 0
    assert table.loc["Vera VP's team (total)", "commit_forecast"] == 700
    assert any("No quota is set for Vera VP in 2027-Q1" in w.value for w in at.warning)
    assert metrics(at)["Quota"] == "–" and metrics(at)["Commit forecast"] == "$700"
    _open_tab(at, "What moved")
    caption = next(c.value for c in at.caption if c.value.startswith("From"))
    # Start on 2026-11-13: D7 1,000 (then closing 2027-01-10) + D8 700; End now: D8 700
    assert "End $700 = Start $1.7K" in caption
