"""The projection on stores whose numbers are worked out by hand (tests/whatif_company.py and
tests/tiny_company.py).

Learned chances for 2026-Q4 as of 2026-11-20, from the deals open 50 days into 2026-Q2 and
2026-Q3. Prior weight w = 10 deals; rate = (events + w x prior) / (deals + w), level by level:
stage -> stage / deal type / segment -> + age and size (every amount here is in the top third
of the history's amounts: the thirds split at 100 and 100). Deals dated in the period:
  Negotiation (H1-H4, J1, all new SMB 0-30 days): 5 deals, 4 closed in their period, 3 won.
    stage:  p_close = (4 + 10 x 1) / 15 = 14/15;       p_won = (3 + 10 x 0.8) / 15 = 11/15
    type:   p_close = (4 + 10 x 14/15) / 15 = 8/9;     p_won = (3 + 10 x 11/15) / 15 = 31/45
    group:  p_close = (4 + 10 x 8/9) / 15 = 116/135;   p_won = (3 + 10 x 31/45) / 15 = 89/135
  Proposal (H5, H6, J2): 3 deals, 3 closed, 2 won: stage p_close = 1, p_won = (2 + 5) / 13
    = 7/13. Existing SMB (H5, H6; also their group): 2 deals, 2 closed, 1 won:
    type:  p_won = (1 + 10 x 7/13) / 12 = 83/156;  group: p_won = (1 + 10 x 83/156) / 12
    = 493/936; p_close stays 1.
  Prospecting: no history -> the stage default, p_close 1, p_won 0.1.
Deals dated in the next quarter (may be pulled in; the default is 0: they close on their date):
  Negotiation new SMB (P1, P2 at Q2's point): 2 deals, 1 closed and won inside Q2 (P1).
    stage: (1 + 10 x 0) / 12 = 1/12; type: (1 + 10 x 1/12) / 12 = 11/72;
    group: (1 + 10 x 11/72) / 12 = 91/432 (p_close = p_won) -> T4 (800, dated 2027-01-20).
New pipeline: after the point, Q2 had N1 (300, from a lead), Q3 K1 (250): per period 0.5
deals from a lead at 300 and 0.5 others at 250, expected 150 + 125 = 275.
Two past periods are too few to measure how periods swing (it takes three): no swing.
Mean landing = Closed 200 (W1) + 1000 x 89/135 + 500 x 493/936 + 400 x 0.1 + 800 x 91/432
               + 275 = 1,606.13.
Variance = 1000^2 x (89/135)(46/135) + 500^2 x (493/936)(443/936) + 400^2 x .1 x .9
           + 800^2 x (91/432)(341/432) + 0.5 x 300^2 + 0.5 x 250^2
         = 224,637 + 62,321 + 14,400 + 106,416 + 76,250 = 484,024;
sd 696, so with 20,000 simulations the mean is within 4 x 696 / 141.4 = 20 of 1,606.13.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from forecast import asof, overview
from forecast.calendar import parse_period
from forecast.whatif import WhatIfError, learn, projection

import tiny_company
import whatif_company

Q4 = parse_period("2026-Q4")
N = 20_000


@pytest.fixture
def store(con):
    whatif_company.load(con)
    return con


def _when(con, day=whatif_company.TODAY):
    return asof.resolve_as_of(con, day, today=whatif_company.TODAY)


def test_learned_chances_by_group_with_shrinkage(store):
    base = projection.baseline(store, "V", Q4, _when(store))
    deals = base.deals.set_index("opportunity_id")
    assert deals.p_close.tolist() == pytest.approx([116 / 135, 1.0, 1.0, 91 / 432])
    assert deals.p_won.tolist() == pytest.approx([89 / 135, 493 / 936, 0.1, 91 / 432])
    assert deals.history_deals.tolist() == [5, 2, 0, 2]
    assert deals.is_later.tolist() == [False, False, False, True]
    assert deals.loc["T1", "p_win"] == pytest.approx(89 / 116)
    assert base.learned.swing == 0.0
    later = base.learned.stages.set_index(["is_later", "stage_name"]).loc[True]
    assert later.loc["Negotiation", ["deals", "won", "p_won"]].tolist() == pytest.approx(
        [2, 1, 1 / 12])
    stages = base.learned.stages.set_index(["is_later", "stage_name"]).loc[False]
    assert stages.loc["Negotiation", ["deals", "closed", "won"]].tolist() == [5, 4, 3]
    assert stages.loc["Negotiation", "p_won"] == pytest.approx(11 / 15)
    assert stages.loc["Proposal", "p_won"] == pytest.approx(7 / 13)
    assert [p.period.period_id for p in base.learned.points] == ["2026-Q3", "2026-Q2"]
    assert [p.snapshot_date for p in base.learned.points] == [date(2026, 8, 20),
                                                              date(2026, 5, 21)]
    assert "learned from 10 deals" in base.notes()[0]


def test_new_pipeline_from_past_creation(store):
    new = projection.baseline(store, "V", Q4, _when(store)).new_pipeline
    assert (new.periods, new.lead_rate, new.direct_rate) == (2, 0.5, 0.5)
    assert new.lead_amounts.tolist() == [300.0] and new.direct_amounts.tolist() == [250.0]
    assert new.expected() == 275.0
    assert "1.0 deals on average after this point (0.5 of them from a marketing lead)" in (
        new.describe())


def test_projected_mean_commit_best_case_and_quota(store):
    when = _when(store)
    base = projection.baseline(store, "V", Q4, when)
    run = projection.project(base, None, N)
    assert run.mean == pytest.approx(1606.13, abs=20)
    # Closed W1 200; commit + T1 1,000 (Negotiation); best case + T2 500 (Proposal); T4 is
    # in Negotiation too but dated next quarter: in the range, not in the commit
    assert (run.closed, run.commit_forecast, run.best_case_forecast) == (200, 1200, 1700)
    team = overview.team_forecast(store, "V", Q4, when).total
    assert (team.commit_forecast, team.best_case_forecast) == (1200, 1700)
    assert run.quota == 1500 and run.expected_new == 275
    assert run.p10 <= run.p50 <= run.p90
    assert 0 < run.p_reach_quota < 1


def test_same_seed_same_range(store):
    base = projection.baseline(store, "V", Q4, _when(store))
    first = projection.project(base, None, 5_000, seed=3)
    again = projection.project(base, None, 5_000, seed=3)
    assert np.array_equal(first.totals, again.totals)
    assert first.summary() == again.summary()
    assert not np.array_equal(first.totals, projection.project(base, None, 5_000, 4).totals)


def test_period_entirely_in_the_past_is_refused(store):
    with pytest.raises(WhatIfError, match="2026-Q3 ended on 2026-09-30, before the as-of date"):
        projection.baseline(store, "V", parse_period("2026-Q3"), _when(store))


def test_team_without_open_deals_is_refused(store):
    with pytest.raises(WhatIfError, match="Rae Rep's team has no open deals closing in 2026-Q4"):
        projection.baseline(store, "R2", Q4, _when(store))


def test_no_history_falls_back_to_stage_defaults_and_says_so(con):
    # tiny company: no ended quarter has a snapshot 50 days in, so every open deal of Vera's
    # team gets its stage default and closes in the period: D2 200 x .8, D3 300 x .5,
    # D4 400 x .1, D6 50 x .8, D7 1,000 x .5 + Closed 100 = 990, the weighted pipeline.
    # sd = sqrt(200^2 x .16 + 300^2 x .25 + 400^2 x .09 + 50^2 x .16 + 1000^2 x .25) = 542;
    # 4 x 542 / 141.4 = 15
    tiny_company.load(con)
    when = asof.resolve_as_of(con, tiny_company.TODAY, today=tiny_company.TODAY)
    base = projection.baseline(con, "V", Q4, when)
    assert not base.learned.has_history
    assert "No history to learn from" in base.notes()[0]
    assert "stage's default probability" in base.notes()[0]
    assert "no new pipeline is added" in base.notes()[1]
    in_period = base.deals[~base.deals.is_later]
    assert in_period.p_close.tolist() == [1.0] * 5
    assert in_period.p_won.tolist() == pytest.approx([0.8, 0.5, 0.1, 0.8, 0.5])
    # D8, dated 2027-01-15 (next quarter), may be pulled in; without history its default is
    # to close on its date: no chance in 2026-Q4
    later = base.deals[base.deals.is_later]
    assert later.opportunity_id.tolist() == ["D8"] and later.p_won.tolist() == [0.0]
    run = projection.project(base, None, N)
    assert run.mean == pytest.approx(990, abs=15)
    assert overview.team_forecast(con, "V", Q4, when).total.weighted_pipeline == 990


def test_swing_is_the_spread_of_each_period_against_the_others():
    # three past periods, each with two open Negotiation deals of 100 (no shrinking: w = 0).
    # Won: A 1, B 2, C 0. Judged by the other two: A by B+C (2 of 4 won: expects 100, won
    # 100: ratio 1), B by A+C (1 of 4: expects 50, won 200: 4), C by A+B (3 of 4: expects
    # 150, won 0: 0). Standard deviation of 1, 4, 0 = sqrt((4/9 + 49/9 + 25/9) / 2) = 2.0817
    starts = [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)]
    won = {starts[0]: [True, False], starts[1]: [True, True], starts[2]: [False, False]}
    rows = [{"snapshot_date": s, "period_start": s, "opportunity_id": f"{s}-{i}",
             "is_later": False, "stage_name": "Negotiation", "amount": 100.0,
             "deal_type": "new", "segment": "SMB", "age_bucket": 0,
             "is_closed_in_period": True, "is_won_in_period": w}
            for s in starts for i, w in enumerate(won[s])]
    points = [learn.Point(parse_period(p), s, s) for p, s in
              zip(["2026-Q1", "2026-Q2", "2026-Q3"], starts, strict=True)]
    learned = learn.learn_from(pd.DataFrame(rows), pd.Series({"Negotiation": 0.8}), points,
                               prior_weight=0.0)
    assert learned.swing == pytest.approx(np.sqrt(78 / 18))
    # with two periods it is not measured
    two = learn.learn_from(pd.DataFrame(rows[:4]), pd.Series({"Negotiation": 0.8}),
                           points[:2], prior_weight=0.0)
    assert two.swing == 0.0 and "not measured" in two.describe()


def test_the_derived_history_gives_the_same_chances_as_the_live_sample(store):
    # the points of the opening view (quarters: 2026-Q3 at 08-20, 2026-Q2 at 05-21) are held
    # counted in derived_whatif_history; learning from them must equal learning from the
    # deal-by-deal sample, size thirds included
    points = learn.comparable_points(store, Q4, whatif_company.TODAY, learn.LOOKBACK)
    held = learn.held_history(store, points)
    assert held is not None and int(held.deals.sum()) == 10
    from_rows = learn.learn_from(learn.history_sample(store, points),
                                 learn.stage_defaults(store), points)
    from_held = learn.learn(store, Q4, whatif_company.TODAY)
    assert from_held.size_edges == from_rows.size_edges == (100.0, 100.0)
    for mine, theirs in zip(from_held.levels, from_rows.levels, strict=True):
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)
    # a point it does not hold (2026-Q3 seen from its 2026-05-21 snapshot, as a projection
    # of a later period would) is read from the history itself
    other = learn.Point(parse_period("2026-Q3"), date(2026, 5, 21), Q4.end_date)
    assert learn.held_history(store, [other]) is None
    assert len(learn.history_sample(store, [other])) == 2  # P1 and P2, dated in Q3 then


def test_the_derived_history_uses_the_same_age_edges():
    from forecast import queries

    assert "[31, 91, 181]" in queries.sql("derived_whatif_history")
    assert learn.AGE_EDGES_DAYS == (31, 91, 181)


def test_the_live_open_deals_are_the_rows_of_the_general_query(store):
    # as of the latest data the open deals are read in one scan (whatif_open_deals_live.sql);
    # the general query with no snapshot gives the very same rows, columns and order
    from forecast import queries

    # X1: set Omitted by the rep (left out); X2: another team's; X3: a stage the stages table
    # does not know and no created date (kept, with no default chance); X4: after the next
    # quarter (left out)
    store.execute("insert into people (person_id, name) values ('Z', 'Zed Other')")
    store.executemany(
        "insert into opportunities (opportunity_id, owner_id, amount, stage_name, close_date, "
        "created_date, forecast_category, is_closed, is_won) values "
        "(?, ?, ?, ?, ?, ?, ?, false, false)",
        [("X1", "R1", 90.0, "Negotiation", date(2026, 12, 1), date(2026, 11, 1), "Omitted"),
         ("X2", "Z", 80.0, "Negotiation", date(2026, 12, 1), date(2026, 11, 1), None),
         ("X3", "R2", 70.0, "Mystery", date(2026, 12, 2), None, None),
         ("X4", "R1", 60.0, "Proposal", date(2027, 4, 2), date(2026, 11, 1), None)])
    params = dict(root_id="V", as_of=whatif_company.TODAY, start=Q4.start_date,
                  end=Q4.end_date, later_end=date(2027, 3, 31),
                  age_edges=list(learn.AGE_EDGES_DAYS))
    live = queries.frame(store, "whatif_open_deals_live", **params)
    general = queries.frame(store, "whatif_open_deals", snap=None, **params)
    assert live.opportunity_id.tolist() == ["T1", "T2", "T3", "T4", "X3"]
    unknown = live.set_index("opportunity_id").loc["X3"]
    assert unknown.owner_name == "Rae Rep" and np.isnan(unknown.stage_probability)
    pd.testing.assert_frame_equal(live, general)
    opened = projection.open_deals(store, "V", Q4, _when(store))
    pd.testing.assert_frame_equal(opened, general)
