"""AppTest: the Rollup page's call ladder, drilling two levels down (numbers from
test_rollup.py, worked out by hand)."""

from __future__ import annotations

import json

from forecast.ui import ladder

from apptest_helpers import open_app

PAGE = "pages/rollup_page.py"


def _ladder(at):
    return at.dataframe[0].value.set_index("person")


def test_drill_two_levels_down(tiny_db_with_calls):
    at = open_app(PAGE)
    top = _ladder(at)
    assert top.loc["Vera VP", ["system", "rolled_up", "own_call", "effective"]].tolist() == [
        1300, 1230, 1250, 1250]
    assert top.loc["  Max Manager", ["own_call", "manager_adjustment", "change_by_manager"]
                   ].tolist() == [320, 280, -40]
    assert top.loc["  Max Manager", "adjustment_note"] == "hold M1 to R1's call"
    at.selectbox(key="drill_into").set_value("M2").run()
    assert at.sidebar.selectbox(key="team_id").value == "M2"
    mid = _ladder(at)
    assert mid.loc["Mia Manager", ["rolled_up", "own_call", "effective", "quota",
                                   "quota_below"]].tolist() == [1150, 950, 950, 1200, 1600]
    assert bool(mid.loc["Mia Manager", "call_is_stale"])
    assert mid.loc["  Ray Rep", ["own_call", "manager_adjustment", "previous_adjustment",
                                 "effective"]].tolist() == [900, 800, 850, 800]
    at.selectbox(key="drill_into").set_value("R2").run()
    leaf = _ladder(at)
    assert leaf.index.tolist() == ["Rae Rep"]
    assert leaf.loc["Rae Rep", ["system", "own_call", "effective"]].tolist() == [0, 350, 350]
    assert any("nobody reporting to them" in i.value for i in at.info)


def test_best_case_measure_and_adjusting(tiny_db_with_calls):
    at = open_app(PAGE)
    at.segmented_control(key="ladder_measure").set_value("best_case").run()
    assert _ladder(at).loc["Vera VP", "rolled_up"] == 1800
    at.selectbox(key="adj_person").set_value("M2")
    at.number_input(key="adj_commit").set_value(900.0)
    at.number_input(key="adj_best").set_value(1100.0)
    at.text_input(key="adj_note").set_value("<b>not bold</b>")
    at.text_input(key="adj_by").set_value("Vera")
    at.button[0].click().run()
    assert not at.exception
    assert any("Mia Manager's call adjusted" in s.value for s in at.success)
    ladder = _ladder(at)
    # V's rolled-up best case: M1 600 + M2 now 1100
    assert ladder.loc["Vera VP", "rolled_up"] == 1700
    assert ladder.loc["  Mia Manager", "adjustment_note"] == "<b>not bold</b>"


def _open_tab(at, label):
    at.session_state[ladder.KEY_TAB] = label
    return at.run()


def test_only_the_open_tab_is_drawn_and_choices_are_kept(tiny_db_with_calls):
    at = open_app(PAGE)
    assert [t.label for t in at.tabs] == ["Call ladder", "The team at a glance",
                                          "Can the callers be trusted?"]
    assert len(at.dataframe) == 1 and not at.get("plotly_chart")  # the ladder only
    at.segmented_control(key="ladder_measure").set_value("best_case").run()
    _open_tab(at, "The team at a glance")
    assert not at.dataframe and not at.main.number_input
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    # the tree, and the measure picked on the ladder's tab by week
    assert titles[1] == "Best case forecast by week, against earlier periods"
    _open_tab(at, "Can the callers be trusted?")
    # the four ended quarters before 2026-Q4 are judged; the tiny company's calls are all in Q4
    assert any(c.value.startswith("Periods 2026-Q3, 2026-Q2, 2026-Q1, 2025-Q4;")
               for c in at.caption)
    assert any(i.value == "No calls were made in those periods." for i in at.info)
    _open_tab(at, "Call ladder")
    assert at.segmented_control(key="ladder_measure").value == "best_case"
    assert _ladder(at).loc["Vera VP", "rolled_up"] == 1800
