"""Each lever moves the projection the way, and by the amount, worked out by hand.

The deals are written here, with their learned chances set directly: p_close (closes in the
period) and p_win (won if it closes); a deal's chance of being won in the period is
p_close x p_win. Expected values are exact; simulated means use 20,000 simulations with the
same seed, so the baseline and the scenario share their draws and the simulated change is
off the exact change by at most 4 standard errors (stated per test).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from forecast.whatif import WhatIfError
from forecast.whatif.learn import KEYS, learn_from
from forecast.whatif.levers import Levers, apply, missing_picks
from forecast.whatif.newpipe import NewPipeline
from forecast.whatif.projection import Baseline, project

N = 20_000
COLUMNS = ["opportunity_id", "stage_name", "deal_type", "category", "amount", "p_close",
           "p_win"]
NO_NEW = NewPipeline(0, np.zeros(0), np.zeros(0))


def _base(rows, closed: float = 0.0, quota: float = float("nan"),
          new: NewPipeline = NO_NEW) -> Baseline:
    deals = pd.DataFrame(rows, columns=COLUMNS)
    deals["p_won"] = deals.p_close * deals.p_win
    empty = pd.DataFrame(columns=[*KEYS, "opportunity_id", "amount", "is_closed_in_period",
                                  "is_won_in_period"])
    learned = learn_from(empty, pd.Series({"Negotiation": 0.8}), [])
    return Baseline("Team", "2026-Q4", closed, quota, deals, learned, new)


ONE = [("D1", "Negotiation", "new", "Commit", 100.0, 1.0, 0.5)]


def _mean_change(base: Baseline, levers: Levers) -> tuple[float, float]:
    before = project(base, None, N).mean
    after = project(base, levers, N).mean
    return before, after - before


def test_win_rate_plus_ten_points_on_one_deal_of_100_raises_the_mean_by_10():
    base = _base(ONE)
    # exact: p_won 0.5 -> 0.6, mean 50 -> 60
    assert apply(base.deals, Levers(win_rate_pts=10)).p_won.tolist() == pytest.approx([0.6])
    before, change = _mean_change(base, Levers(win_rate_pts=10))
    # 4 x 100 x sqrt(.5 x .5 / N) = 1.4 for the mean; the change is 100 x (share of draws in
    # [.5, .6)), 4 x 100 x sqrt(.1 x .9 / N) = 0.85
    assert before == pytest.approx(50, abs=1.4)
    assert change == pytest.approx(10, abs=0.85)


def test_slip_rate_plus_20_points_lowers_the_mean_by_10():
    # p_close 1 -> 0.8, p_won 0.5 -> 0.4: mean 50 -> 40; 4 x 100 x sqrt(.1 x .9 / N) = 0.85
    base = _base(ONE)
    assert apply(base.deals, Levers(slip_pts=20)).p_won.tolist() == pytest.approx([0.4])
    assert _mean_change(base, Levers(slip_pts=20))[1] == pytest.approx(-10, abs=0.85)


def test_deal_size_plus_half_scales_the_open_deals_not_the_closed():
    # Closed 1,000 + D1 100 at 0.5: mean 1,050 -> 1,000 + 150 x 0.5 = 1,075 (every simulation
    # that wins D1 gains exactly 50, so the change is 50 x share won: 25 +- 4 x 50 x .0035)
    base = _base(ONE, closed=1000.0)
    levers = Levers(deal_size_pct=50)
    assert _mean_change(base, levers)[1] == pytest.approx(25, abs=0.71)
    run = project(base, levers, N)
    assert (run.commit_forecast, run.best_case_forecast) == (1150.0, 1150.0)


def test_win_rate_by_stage_and_by_deal_type_move_only_their_deals():
    rows = [("D1", "Negotiation", "new", "Commit", 100.0, 1.0, 0.5),
            ("D2", "Proposal", "existing", "Best Case", 200.0, 1.0, 0.5)]
    base = _base(rows)
    by_stage = Levers(win_rate_by_stage=(("Proposal", 10.0),))
    assert apply(base.deals, by_stage).p_won.tolist() == pytest.approx([0.5, 0.6])
    # D2's chance 0.5 -> 0.6: +200 x 0.1 = +20; 4 x 200 x sqrt(.09 / N) = 1.7
    assert _mean_change(base, by_stage)[1] == pytest.approx(20, abs=1.7)
    by_type = Levers(win_rate_by_type=(("new", -20.0),), win_rate_pts=5)
    # D1: 0.5 + 0.05 - 0.20 = 0.35; D2: 0.55. Change: 100 x -0.15 + 200 x 0.05 = -5
    assert apply(base.deals, by_type).p_won.tolist() == pytest.approx([0.35, 0.55])
    assert _mean_change(base, by_type)[1] == pytest.approx(-5, abs=2.5)


def test_new_pipeline_creation_and_lead_levers():
    # past: per period 1 new deal from a lead (500) and 2 others (100 or 300): expected
    # 1 x 500 + 2 x 200 = 900
    new = NewPipeline(2, np.array([500.0, 500.0]), np.array([100.0, 300.0, 100.0, 300.0]))
    base = _base(ONE, new=new)
    assert project(base, None, N).expected_new == 900
    # +100 % creation doubles both: 1,800
    assert project(base, Levers(new_pipeline_pct=100), N).expected_new == 1800
    # MQL volume +50 % and MQL -> SRL +100 %: lead deals x 1.5 x 2 = 3 -> 1,500 + 400 = 1,900
    lead = Levers(mql_volume_pct=50, mql_to_srl_pct=100)
    assert project(base, lead, N).expected_new == 1900
    # the simulated mean moves by the same 1,000 (Poisson(3) x 500 against Poisson(1) x 500:
    # sd of the difference <= sqrt(3 x 500^2 + 500^2) = 1,000, 4 x 1,000 / sqrt(N) = 28)
    assert _mean_change(base, lead)[1] == pytest.approx(1000, abs=28)
    # a deal-size change scales the new deals too: 900 x 0.5
    assert project(base, Levers(deal_size_pct=-50), N).expected_new == 450


def test_deals_picked_as_won_lost_or_slipped():
    rows = [("D1", "Negotiation", "new", "Commit", 100.0, 1.0, 0.5),
            ("D2", "Proposal", "new", "Best Case", 200.0, 1.0, 0.5),
            ("D3", "Negotiation", "new", "Commit", 400.0, 0.5, 0.5)]
    base = _base(rows, closed=1000.0)
    # baseline: commit 1,000 + 100 + 400 = 1,500; best case + 200 = 1,700
    assert (base.commit_forecast, base.best_case_forecast) == (1500.0, 1700.0)
    run = project(base, Levers(won=("D2",), lost=("D1",), slipped=("D3",)), N)
    # D2 won -> Closed 1,200; D1 and D3 leave: commit = best case = 1,200, and the range is
    # exactly 1,200 in every simulation
    assert (run.closed, run.commit_forecast, run.best_case_forecast) == (1200, 1200, 1200)
    assert (run.p10, run.p50, run.p90) == (1200.0, 1200.0, 1200.0)


def test_a_picked_deal_that_is_not_open_is_counted_in_the_notes():
    base = _base(ONE)
    run = project(base, Levers(lost=("GONE",)), 1_000)
    assert "1 picked deal(s) are not open in this view and were left out." in run.notes
    assert missing_picks(base.deals, Levers(lost=("GONE",), won=("D1",))) == ["GONE"]


@pytest.mark.parametrize(("values", "message"), [
    ({"win_rate_pts": 70}, "Win-rate change must be between -50 and +50 points; 70 was given"),
    ({"slip_pts": -60}, "Slip-rate change must be between -50 and +50 points"),
    ({"deal_size_pct": 150}, "Deal-size change must be between -50 and +100 %"),
    ({"mql_volume_pct": -101}, "MQL volume change must be between -100 and +200 %"),
    ({"win_rate_by_stage": {"Proposal": 55}},
     "Win-rate change for stage 'Proposal' must be between -50 and +50 points"),
    ({"won": ["D1"], "lost": ["D1"]}, "Deal D1 is picked both as"),
    ({"speed": 2}, "'speed' is not a lever"),
    ({"slip_pts": "lots"}, "not a number"),
    ({"win_rate_pts": float("nan")}, "Win-rate change must be between"),
])
def test_levers_out_of_range_are_refused_with_one_sentence(values, message):
    with pytest.raises(WhatIfError, match=re.escape(message)):
        Levers.from_dict(values)


def test_levers_round_trip_through_json_and_describe_themselves():
    levers = Levers.from_dict({"win_rate_pts": 5, "win_rate_by_stage": {"Proposal": -10},
                               "won": ["D2", "D1"], "new_pipeline_pct": 0})
    assert Levers.from_json(levers.to_json()) == levers
    assert levers.won == ("D1", "D2")
    assert levers.describe() == ("Win-rate change +5 points; Win-rate change for stage "
                                 "Proposal -10 points; 2 deals picked as won")
    assert Levers().is_baseline and Levers().describe() == "Baseline (no lever moved)"
    with pytest.raises(WhatIfError, match="not valid JSON"):
        Levers.from_json("{oops")
