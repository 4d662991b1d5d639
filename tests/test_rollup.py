"""The call ladder on the tiny company; every number worked out by hand.

Own deals live (2026-Q4): R1 closed 100 + commit 200 + best case 300; M1 best case 50 (D6);
R2 pipeline 400 (D5 lost); R3 commit 1000 (D7). R2 moved from M1 to M2 on 2026-11-01.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from forecast import asof, calls, rollup
from forecast.calendar import parse_period

import tiny_company

Q4 = parse_period("2026-Q4")


@pytest.fixture
def ladder_db(con):
    tiny_company.load(con)
    tiny_company.load_calls(con)
    return con


def _ladder(con, day, moment):
    when = asof.resolve_as_of(con, day, today=tiny_company.TODAY)
    return rollup.call_ladder(con, "V", Q4, when, moment)


def _row(ladder, person, columns):
    return ladder.node(person)[columns].tolist()


EFFECTIVE = ["effective_commit", "effective_best_case"]


def test_ladder_live(ladder_db):
    lad = _ladder(ladder_db, date(2026, 11, 20), datetime(2026, 11, 20, 18))
    assert lad.nodes.person_id.tolist() == ["V", "M1", "R1", "M2", "R2", "R3"]
    # system (subtree, no judgement): commit forecast / best case forecast
    assert _row(lad, "M1", ["commit_forecast", "best_case_forecast"]) == [300, 650]
    assert _row(lad, "M2", ["commit_forecast", "best_case_forecast"]) == [1000, 1000]
    assert _row(lad, "V", ["commit_forecast", "best_case_forecast"]) == [1300, 1650]
    # R1 called, nobody adjusted. R2's call of 2026-10-16 carries forward (stale); M1's
    # adjustment of it no longer counts: M1 is not R2's manager any more
    assert _row(lad, "R1", EFFECTIVE) == [280, 550]
    assert _row(lad, "R2", EFFECTIVE) == [350, 800]
    assert lad.node("R2").call_is_stale
    assert lad.node("R2").adj_commit != lad.node("R2").adj_commit  # NaN: no adjustment
    # R3 called 900 / 950; M2 adjusted to 850 / 950, then to 800 / 900
    assert _row(lad, "R3", ["call_commit", "adj_commit", "adj_prev_commit"]) == [900, 800, 850]
    assert _row(lad, "R3", EFFECTIVE) == [800, 900]
    assert lad.node("R3").adj_note == "R3 optimistic"
    # M1: own deals 0 / 50 + R1 280 / 550 = 280 / 600 rolled up; called 320 / 700; V cut to
    # 280 / 600
    assert _row(lad, "M1", ["rolled_up_commit", "rolled_up_best_case"]) == [280, 600]
    assert _row(lad, "M1", ["call_commit", "call_best_case"]) == [320, 700]
    assert _row(lad, "M1", EFFECTIVE) == [280, 600]
    # M2: 0 + R2 350 / 800 + R3 800 / 900 rolled up; its 2026-11-13 call carries forward
    assert _row(lad, "M2", ["rolled_up_commit", "rolled_up_best_case"]) == [1150, 1700]
    assert _row(lad, "M2", EFFECTIVE) == [950, 1200]
    assert lad.node("M2").call_is_stale
    # V: M1 280 / 600 + M2 950 / 1200 = 1230 / 1800 rolled up; V's own call is effective
    assert _row(lad, "V", ["rolled_up_commit", "rolled_up_best_case"]) == [1230, 1800]
    assert _row(lad, "V", EFFECTIVE) == [1250, 1700]


def test_quota_own_and_below(ladder_db):
    lad = _ladder(ladder_db, date(2026, 11, 20), datetime(2026, 11, 20, 18))
    assert _row(lad, "V", ["quota_amount", "quota_below"]) == [3000, 2700]
    assert _row(lad, "M1", ["quota_amount", "quota_below"]) == [1500, 900]  # R1 only, raised
    assert _row(lad, "M2", ["quota_amount", "quota_below"]) == [1200, 1600]  # R2 600 + R3 1000
    assert lad.node("V").gap_to_quota_effective == 3000 - 1250
    assert lad.node("R3").team_size == 1 and lad.node("V").team_size == 6
    assert lad.node("M1").team_size == 2 and lad.node("M2").team_size == 3
    assert lad.node("R3").quota_below != lad.node("R3").quota_below  # NaN: nobody below


def test_ladder_before_the_move(ladder_db):
    # 2026-10-30: R2 under M1; D2 in Proposal (best case); D5 open in best case
    when = asof.resolve_as_of(ladder_db, date(2026, 10, 30), today=tiny_company.TODAY)
    lad = rollup.call_ladder(ladder_db, "M1", Q4, when, datetime(2026, 10, 30, 17))
    assert lad.nodes.person_id.tolist() == ["M1", "R1", "R2"]
    assert _row(lad, "R1", EFFECTIVE) == [100, 300]  # no call: own deals roll up
    assert _row(lad, "R2", ["call_commit", "adj_commit"]) == [350, 100]
    assert _row(lad, "R2", EFFECTIVE) == [100, 300]
    assert _row(lad, "M1", EFFECTIVE) == [200, 600]
    assert _row(lad, "M1", ["quota_amount", "quota_below"]) == [1500, 1400]


@pytest.mark.parametrize(
    ("manager", "person", "at", "message"),
    [
        ("M1", "R3", datetime(2026, 11, 20, 9), "not a direct report of 'M1'"),
        ("M1", "R2", datetime(2026, 11, 20, 9), "only their manager ('M2')"),
        ("V", "V", datetime(2026, 11, 20, 9), "has no manager"),
        ("M2", "R3", datetime(2027, 1, 2, 9), "2026-Q4 is locked"),
        ("M2", "NOBODY", datetime(2026, 11, 20, 9), "not a person"),
    ],
)
def test_bad_adjustments_write_nothing(ladder_db, manager, person, at, message):
    before = ladder_db.execute("select count(*) from adjustments").fetchone()
    with pytest.raises(calls.CallError, match=re.escape(message)):
        calls.adjust_call(ladder_db, manager, person, "2026-Q4", 1, 2, "", manager, at)
    assert ladder_db.execute("select count(*) from adjustments").fetchone() == before


def test_ladder_view_shows_changes_at_each_hop(ladder_db):
    lad = _ladder(ladder_db, date(2026, 11, 20), datetime(2026, 11, 20, 18))
    view = rollup.ladder_view(lad, "commit", levels=1).set_index("person_id")
    assert view.index.tolist() == ["V", "M1", "M2"]
    # M1 rolled up 280, called 320 (+40), V adjusted to 280 (-40)
    assert view.loc["M1", ["rolled_up", "own_call", "change_by_own_call"]].tolist() == [
        280, 320, 40]
    assert view.loc["M1", ["manager_adjustment", "change_by_manager", "effective"]].tolist() == [
        280, -40, 280]
    assert view.loc["M1", "adjustment_note"] == "hold M1 to R1's call"
    assert view.loc["M1", "person"] == "  Max Manager"
    best = rollup.ladder_view(lad, "best_case").set_index("person_id")
    assert best.loc["R3", ["own_call", "manager_adjustment", "previous_adjustment"]].tolist() == [
        950, 900, 950]
    assert best.loc["V", "gap_to_quota"] == 3000 - 1700
