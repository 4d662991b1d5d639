"""AppTest: the What-if page on tests/whatif_company.py (numbers worked out there and in
tests/test_whatif_projection.py).

Vera's team in 2026-Q4 as of 2026-11-20: Closed 200 (W1); open T1 1,000 (Negotiation, Commit,
chance of closing 116/135), T2 500 (Proposal, Best Case, closes for sure), T3 400 (Prospecting,
Pipeline, closes for sure), and T4 800 (Negotiation, dated next quarter, pulled in with chance
91/432, won for sure if it is): Commit forecast 200 + 1,000 = 1,200, Best Case 1,200 + 500 =
1,700; quota 1,500. The page runs 2,000 simulations, seed 7.

Win rate +10 points raises the mean by 1,000 x 116/135 x .1 + 500 x .1 + 400 x .1 = 175.9 (T4's
win rate if it closes is already 100 %); the
same draws are used with and without the lever, so the simulated change is off by at most
4 x sqrt(1000^2 x .089 x .911 + 500^2 x .09 + 400^2 x .09) / sqrt(2,000) = 31.
T1 and T2 won, T3 and T4 lost and no new pipeline: every simulation lands on 200 + 1,000 +
500 = 1,700, which is also the Commit and the Best Case forecast, and beats the quota.
"""

from __future__ import annotations

import re

import pytest

import tiny_company
import whatif_company
from apptest_helpers import metrics, open_app, use_store

PAGE = "pages/whatif_page.py"


def _store(tmp_path, monkeypatch, loader=whatif_company.load):
    return use_store(tmp_path, monkeypatch, loader, "whatif")


def _money(text: str) -> float:
    """'+$179 vs baseline' -> 179; '$1.7K' -> 1700."""
    number = re.search(r"([-+]?)\$(-?[\d,.]+)([KMB]?)", text)
    scale = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9}[number.group(3)]
    value = float(number.group(2).replace(",", "")) * scale
    return -value if number.group(1) == "-" else value


def _all_in(at) -> None:
    at.multiselect(key="wi_won").set_value(["T1", "T2"])
    at.multiselect(key="wi_lost").set_value(["T3", "T4"])
    at.slider(key="wi_new").set_value(-100.0).run()


def test_levers_move_the_numbers_and_a_saved_scenario_comes_back(tmp_path, monkeypatch):
    _store(tmp_path, monkeypatch)
    at = open_app(PAGE)
    shown = metrics(at)
    assert (shown["Commit forecast"], shown["Best Case forecast"]) == ("$1.2K", "$1.7K")
    assert shown["Chance of reaching the call"] == "–"  # no call for 2026-Q4
    assert any("learned from 10 deals" in c.value for c in at.caption)
    p10 = next(m for m in at.metric if m.label == "P10")
    assert "the landing 90 % of the simulations reach or beat" in p10.help

    at.slider(key="wi_win").set_value(10.0).run()
    assert not at.exception
    mean = next(m for m in at.metric if m.label == "Mean landing")
    assert _money(mean.delta) == pytest.approx(175.9, abs=31)
    assert metrics(at)["Commit forecast"] == "$1.2K"  # a rate lever leaves the categories

    at.slider(key="wi_win").set_value(0.0)
    _all_in(at)
    shown = metrics(at)
    assert shown["P10"] == shown["P50"] == shown["P90"] == "$1.7K"
    assert (shown["Commit forecast"], shown["Best Case forecast"]) == ("$1.7K", "$1.7K")
    assert shown["Chance of reaching quota"] == "100.0%"

    at.text_input(key="wi_name").set_value("All in")
    at.text_input(key="wi_by").set_value("Ana")
    next(b for b in at.button if b.label == "Save the levers as a scenario").click().run()
    assert not at.exception
    assert any("Saved 'All in' as version 1." in s.value for s in at.success)

    at.button(key="wi_reset").click().run()
    assert metrics(at)["Commit forecast"] == "$1.2K"
    assert at.multiselect(key="wi_won").value == []

    at.selectbox(key="wi_load").set_value("All in").run()
    at.button(key="wi_load_button").click().run()
    assert not at.exception
    assert any("Loaded 'All in' (version 1, saved by Ana" in s.value for s in at.success)
    assert at.multiselect(key="wi_won").value == ["T1", "T2"]
    assert at.slider(key="wi_new").value == -100.0
    shown = metrics(at)
    assert (shown["P50"], shown["Commit forecast"]) == ("$1.7K", "$1.7K")

    table = next(d.value for d in at.dataframe if "p50" in d.value.columns)
    rows = table.set_index("scenario")
    assert rows.index.tolist() == ["Baseline", "All in"]
    assert rows.loc["All in", ["p10", "p50", "p90", "mean"]].tolist() == [1700] * 4
    assert rows.loc["All in", "commit_forecast"] == 1700
    assert rows.loc["Baseline", "commit_forecast"] == 1200


def test_saving_without_a_name_says_so(tmp_path, monkeypatch):
    _store(tmp_path, monkeypatch)
    at = open_app(PAGE)
    at.text_input(key="wi_by").set_value("Ana")
    next(b for b in at.button if b.label == "Save the levers as a scenario").click().run()
    assert any("Give the scenario a name" in e.value for e in at.error)


def test_a_deal_picked_twice_is_refused(tmp_path, monkeypatch):
    _store(tmp_path, monkeypatch)
    at = open_app(PAGE)
    at.multiselect(key="wi_won").set_value(["T1"])
    at.multiselect(key="wi_lost").set_value(["T1"]).run()
    assert any("Deal T1 is picked both as lost and as won" in e.value for e in at.error)
    assert metrics(at)["Commit forecast"] == "$1.2K"  # the baseline is shown meanwhile


def test_past_period_and_team_without_open_deals(tmp_path, monkeypatch):
    _store(tmp_path, monkeypatch)
    at = open_app(PAGE)
    at.sidebar.selectbox(key="period_id").set_value("2026-Q3").run()
    assert any("2026-Q3 ended on 2026-09-30" in w.value for w in at.warning)
    at.sidebar.selectbox(key="period_id").set_value("2026-Q4")
    at.sidebar.selectbox(key="team_id").set_value("R2").run()
    assert any("Rae Rep's team has no open deals closing in 2026-Q4" in w.value
               for w in at.warning)
    assert not at.exception


def test_no_history_falls_back_to_stage_defaults_and_says_so(tmp_path, monkeypatch):
    # tiny company: stage defaults only; D7 (Commit, 1,000) picked as lost takes the commit
    # forecast from 1,300 to 300
    _store(tmp_path, monkeypatch, tiny_company.load)
    at = open_app(PAGE)
    assert any("No history to learn from" in w.value for w in at.warning)
    assert metrics(at)["Commit forecast"] == "$1.3K"
    at.multiselect(key="wi_lost").set_value(["D7"]).run()
    commit = next(m for m in at.metric if m.label == "Commit forecast")
    assert (commit.value, commit.delta) == ("$300", "-$1.0K vs baseline")


def test_full_run_and_seed(tmp_path, monkeypatch):
    _store(tmp_path, monkeypatch)
    at = open_app(PAGE)
    assert any("2,000 simulations, seed 7" in c.value for c in at.caption)
    at.toggle(key="wi_full").set_value(True)
    at.number_input(key="wi_seed").set_value(11).run()
    assert any("10,000 simulations, seed 11" in c.value for c in at.caption)
    # Commit and Best Case do not depend on the simulation
    assert metrics(at)["Commit forecast"] == "$1.2K"
