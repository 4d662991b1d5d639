"""The week-over-week bridge on movement_company (every bucket occurs), worked out by hand.

Root MA, period 2026-Q4, t0 = snapshot 2026-11-06 (team MA, RA1, RA2), t1 = live 2026-11-13
(team MA, RA1: RA2 moved to MB on 2026-11-10).

Start (open, in Q4, owner in the t0 team): A1 1000, A2 2000, A3 3000, A4 4000, A6 600,
A7 700, A12 130, A13 140, A14 1300, A15 150, A18 190, A20 160, A21 250 = 13620, 13 deals.
End (t1 team): A1 1000, A2 2500, A3 2200, A9 900, A11 1500, A16 170, A17 180, A21 250
= 8700, 8 deals.
  Created     A9 +900                      Pulled in  A11 +1500 (at its t1 amount)
  Amount up   A2 +500 (2000 -> 2500)       Amount down A3 -800 (3000 -> 2200)
  Pushed out  A4 -4000 (t0 amount, though cut to 3000), A20 -160 (RA2 left too) = -4160, 2
  Won         A6 -600 (t0 amount; won at 650)
  Lost        A7 -700, A15 -150 (RA2 left too: Lost comes first) = -850, 2
  Other out   A12 -130 (close date to Sep), A13 -140 (deleted), A14 -1300 (RA2 left the
              team), A18 -190 (set to Omitted) = -1760, 4
  Other in    A16 +170 (reassigned from X), A17 +180 (reopened) = +350, 2; net -1410, -2
  Not in the bridge: A10 (created and won between t0 and t1), A23 (won before t0), B1, X1.
13620 + 900 + 1500 + 500 - 800 - 4160 - 600 - 850 - 1410 = 8700
13 + 1 + 1 - 2 - 1 - 2 - 2 = 8
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from forecast import asof, movement, movement_charts
from forecast.calendar import parse_period
from forecast.movement import MovementError

import movement_company as mc
import tiny_company

Q4 = parse_period("2026-Q4")


@pytest.fixture
def company(con):
    mc.load(con)
    return con


def _points(con, day0=mc.T0, day1=mc.TODAY):
    return movement.resolve_pair(con, day0, day1, today=mc.TODAY)


def _move(con, root="MA", day0=mc.T0, day1=mc.TODAY):
    t0, t1 = _points(con, day0, day1)
    return movement.movement(con, root, Q4, t0, t1)


def _deals(con, m, bucket=None, limit=None):
    return movement.deals_behind(con, m, bucket, limit)


def _bars(m):
    return {row.bucket: (row.value, row.count_change, row.deal_count)
            for row in m.bars.itertuples()}


def test_every_bucket_by_hand(company):
    m = _move(company)
    assert m.t0.snapshot_date == mc.T0 and m.t1.is_live
    assert m.bars.bucket.tolist() == movement.BUCKETS
    # bucket: (signed value, change in End's count, deals behind the bar)
    assert _bars(m) == {
        "Start": (13620, 13, 13),
        "Created": (900, 1, 1),
        "Pulled in": (1500, 1, 1),
        "Amount up": (500, 0, 1),
        "Amount down": (-800, 0, 1),
        "Pushed out": (-4160, -2, 2),
        "Won": (-600, -1, 1),
        "Lost": (-850, -2, 2),
        "Other": (-1410, -2, 6),
        "End": (8700, 8, 8),
    }
    other = m.bars.set_index("bucket").loc["Other"]
    assert (other.inflow, other.outflow) == (350, 1760)


def test_identity_in_value_and_count(company):
    m = _move(company)
    assert m.identity_holds()
    assert 13620 + 900 + 1500 + 500 - 800 - 4160 - 600 - 850 - 1410 == 8700
    assert 13 + 1 + 1 - 2 - 1 - 2 - 2 == 8
    assert m.identity_text() == (
        "End $8.7K = Start $13.6K + Created $900 + Pulled in $1.5K + Amount up $500 "
        "- Amount down $800 - Pushed out $4.2K - Won $600 - Lost $850 - Other $1.4K")


def test_identity_check_notices_a_wrong_bar(company):
    m = _move(company)
    bars = m.bars.copy()
    bars.loc[bars.bucket == "Won", "value_cents"] -= 1
    assert not dataclasses.replace(m, bars=bars).identity_holds()
    bars = m.bars.copy()
    bars.loc[bars.bucket == "Lost", "count_change"] = -1
    assert not dataclasses.replace(m, bars=bars).identity_holds()


def test_each_deal_gets_one_bucket(company):
    deals = _deals(company, _move(company)).set_index("opportunity_id")
    assert deals.index.is_unique
    got = {i: (r.bucket, r.direction, r.value) for i, r in deals.iterrows()}
    assert got == {
        "A1": ("Unchanged", "change", 0), "A21": ("Unchanged", "change", 0),
        "A2": ("Amount up", "change", 500), "A3": ("Amount down", "change", -800),
        "A4": ("Pushed out", "out", -4000), "A20": ("Pushed out", "out", -160),
        "A6": ("Won", "out", -600),
        "A7": ("Lost", "out", -700), "A15": ("Lost", "out", -150),
        "A12": ("Other", "out", -130), "A13": ("Other", "out", -140),
        "A14": ("Other", "out", -1300), "A18": ("Other", "out", -190),
        "A9": ("Created", "in", 900), "A11": ("Pulled in", "in", 1500),
        "A16": ("Other", "in", 170), "A17": ("Other", "in", 180),
    }
    assert deals.loc["A12", "reason"] == "close date moved before the period"
    assert deals.loc["A13", "reason"] == "deal missing at t1 (deleted)"
    assert deals.loc["A14", "reason"] == "owner outside the team at t1"
    assert deals.loc["A18", "reason"] == "category set to Omitted"
    assert deals.loc["A16", "reason"] == "owner outside the team at t0"
    assert deals.loc["A17", "reason"] == "reopened"


def test_deals_that_fit_two_buckets(company):
    deals = _deals(company, _move(company)).set_index("opportunity_id")
    # pushed out and cut 4000 -> 3000: Pushed out, at the t0 amount; the cut is not shown
    a4 = deals.loc["A4"]
    assert (a4.bucket, a4.amount_t0, a4.amount_t1, a4.value) == ("Pushed out", 4000, 3000, -4000)
    assert (a4.close_date_t0, a4.close_date_t1) == (
        pd.Timestamp(2026, 12, 20), pd.Timestamp(2027, 1, 20))
    # pulled in and raised 1200 -> 1500: Pulled in, at the t1 amount
    a11 = deals.loc["A11"]
    assert (a11.bucket, a11.value, a11.category_t0, a11.category_t1) == (
        "Pulled in", 1500, "Pipeline", "Commit")
    assert (a11.stage_t0, a11.stage_t1) == ("Prospecting", "Negotiation")
    # won at 650 (600 at t0): Won, at the t0 amount
    assert (deals.loc["A6", "value"], deals.loc["A6", "amount_t1"]) == (-600, 650)
    # lost / pushed by a rep who also left the team: Lost / Pushed out, not Other
    assert deals.loc["A15", "bucket"] == "Lost" and deals.loc["A20", "bucket"] == "Pushed out"
    # created and won between t0 and t1: in neither Start nor End, so not in the bridge
    assert "A10" not in deals.index
    # ... but its win is in RA1's commit forecast change (see test_change_per_member)


def test_bars_drill_down_to_their_deals(company):
    m = _move(company)
    assert sorted(_deals(company, m, "Start").opportunity_id) == sorted(
        ["A1", "A2", "A3", "A4", "A6", "A7", "A12", "A13", "A14", "A15", "A18", "A20", "A21"])
    assert sorted(_deals(company, m, "End").opportunity_id) == sorted(
        ["A1", "A2", "A3", "A9", "A11", "A16", "A17", "A21"])
    other = _deals(company, m, "Other")
    assert other.direction.value_counts().to_dict() == {"out": 4, "in": 2}
    # largest move first: A14 -1300, then A18 -190, A17 +180, A16 +170, A13 -140, A12 -130
    assert other.opportunity_id.tolist() == ["A14", "A18", "A17", "A16", "A13", "A12"]
    assert other.owner_name.tolist()[:2] == ["Abe Rep", "Ada Rep"]  # RA2, RA1
    # at most `limit` rows: the two largest
    assert _deals(company, m, "Other", limit=2).opportunity_id.tolist() == ["A14", "A18"]
    everything = _deals(company, m)
    assert len(everything) == 17  # every deal in Start or End, A1 and A21 did not move
    assert (everything.bucket == "Unchanged").sum() == 2
    with pytest.raises(KeyError, match="not a bucket"):
        _deals(company, m, "Slipped")


def test_rep_moving_team(company):
    # MB gains RA2 on 2026-11-10: A14 (Best Case 1300, still open in Q4) joins as Other.
    # A15 (lost) and A20 (pushed) were never in MB's Start or End.
    mb = _move(company, "MB")
    assert _bars(mb)["Start"] == (400, 1, 1)
    assert _bars(mb)["Other"] == (1300, 1, 1)
    assert _bars(mb)["End"] == (1700, 2, 2)
    assert mb.identity_holds()
    assert _deals(company, mb, "Other").iloc[0].opportunity_id == "A14"
    # For V the move is inside the team: A14 does not move, and Other is only A12, A13, A18
    # out (-460) and A16, A17 in (+350) = -110; A16 comes from W's team.
    v = _move(company, "V")
    assert _bars(v)["Start"] == (14020, 14, 14)
    assert _bars(v)["Other"] == (-110, -1, 5)
    assert _bars(v)["End"] == (10400, 10, 10)
    assert _deals(company, v).set_index("opportunity_id").loc["A14", "bucket"] == "Unchanged"
    assert v.identity_holds()
    # MB's members: RA2 only at t1, with best case A14 1300 (A20 pushed, A15 lost)
    ra2 = mb.by_member.set_index("member_id").loc["RA2"]
    assert (ra2.is_in_team_t0, ra2.is_in_team_t1) == (False, True)
    assert (ra2.commit_forecast_t0, ra2.commit_forecast_t1) == (0, 0)
    assert (ra2.best_case_forecast_t0, ra2.best_case_forecast_t1,
            ra2.best_case_forecast_change) == (0, 1300, 1300)


def test_flow_matrix(company):
    flow = _move(company).flow
    assert len(flow) == 4 * 7  # every cell, empty ones as 0
    cells = {(r.category_t0, r.category_t1): (r.amount, r.deal_count)
             for r in flow.itertuples() if r.deal_count}
    assert cells == {
        ("Commit", "Commit"): (1250, 2),      # A1 1000, A21 250
        ("Commit", "Pushed"): (4160, 2),      # A4 4000, A20 160 (t0 amounts)
        ("Best Case", "Commit"): (2500, 1),   # A2 at its t1 amount
        ("Best Case", "Won"): (600, 1),       # A6
        ("Best Case", "Other"): (1620, 3),    # A12 130, A14 1300, A18 190
        ("Pipeline", "Pipeline"): (2200, 1),  # A3 at its t1 amount
        ("Pipeline", "Lost"): (850, 2),       # A7 700, A15 150
        ("Pipeline", "Other"): (140, 1),      # A13
        ("New", "Pipeline"): (180, 1),        # A17
        ("New", "Best Case"): (900, 1),       # A9
        ("New", "Commit"): (1670, 2),         # A11 1500, A16 170
    }
    # amount_t0 sums to Start per t0 category: Commit 5410, Best Case 4220, Pipeline 3990
    by_row = flow.groupby("category_t0").amount_t0.sum().to_dict()
    assert by_row == {"Commit": 5410, "Best Case": 4220, "Pipeline": 3990, "New": 0}
    # amount_t1 sums to End per t1 category: Commit 5420, Best Case 900, Pipeline 2380
    by_column = flow.groupby("category_t1").amount_t1.sum().to_dict()
    assert {k: by_column[k] for k in movement.OPEN_CATEGORIES} == {
        "Commit": 5420, "Best Case": 900, "Pipeline": 2380}


def test_change_per_member(company):
    rows = _move(company).by_member.set_index("member_id")
    assert list(rows.index) == ["MA", "RA2", "RA1"]  # own deals first, then by name
    got = rows[["commit_forecast_t0", "commit_forecast_t1", "commit_forecast_change",
                "best_case_forecast_t0", "best_case_forecast_t1",
                "best_case_forecast_change"]].to_dict("index")
    # RA1 t0: closed A23 333 + commit A1 1000 + A4 4000 = 5333; + best case A2 2000, A6 600,
    #   A12 130, A18 190 = 8253. t1: closed 333 + A6 650 + A10 1100 = 2083; commit A1 1000,
    #   A2 2500, A11 1500, A16 170 = 7253; + best case A9 900 = 8153.
    # RA2 t0: commit A20 160; best case A14 1300 -> 1460. Not in MA's team at t1: 0.
    assert got == {
        "MA": dict(commit_forecast_t0=250, commit_forecast_t1=250, commit_forecast_change=0,
                   best_case_forecast_t0=250, best_case_forecast_t1=250,
                   best_case_forecast_change=0),
        "RA2": dict(commit_forecast_t0=160, commit_forecast_t1=0, commit_forecast_change=-160,
                    best_case_forecast_t0=1460, best_case_forecast_t1=0,
                    best_case_forecast_change=-1460),
        "RA1": dict(commit_forecast_t0=5333, commit_forecast_t1=7253,
                    commit_forecast_change=1920, best_case_forecast_t0=8253,
                    best_case_forecast_t1=8153, best_case_forecast_change=-100),
    }
    assert rows.loc["RA2", ["is_in_team_t0", "is_in_team_t1"]].tolist() == [True, False]
    assert rows.loc["MA", "label"] == "Ann Manager (own deals)"
    # Start and End are the team's open pipeline at t0 and t1
    assert rows.open_pipeline_t0.sum() == 13620 and rows.open_pipeline_t1.sum() == 8700


def test_between_two_snapshots(company):
    # 2026-10-30 -> 2026-11-06: only A17 moved (lost on 11-03, 180 Pipeline)
    m = _move(company, day0=mc.EARLIER, day1=mc.T0)
    assert m.t1.snapshot_date == mc.T0
    bars = _bars(m)
    assert bars["Start"] == (13800, 14, 14)
    assert bars["Lost"] == (-180, -1, 1)
    assert bars["End"] == (13620, 13, 13)
    assert all(bars[b] == (0, 0, 0) for b in movement.CHANGE_BUCKETS if b != "Lost")
    assert m.identity_holds()


def test_tiny_company_manager_losing_a_rep(con):
    # M1 on tiny_company, 2026-10-30 -> live 2026-11-20. Start: D2 200, D4 400, D5 500 = 1100
    # (R2 still under M1). End: D2 200, D3 300, D6 50 = 550. D3 and D6 created (+350);
    # D5 lost (-500) although R2 also left (Lost comes first); D4 Other, R2 left (-400).
    tiny_company.load(con)
    t0, t1 = movement.resolve_pair(con, date(2026, 10, 30), tiny_company.TODAY,
                                   today=tiny_company.TODAY)
    m = movement.movement(con, "M1", Q4, t0, t1)
    bars = _bars(m)
    assert (bars["Start"], bars["Created"], bars["Lost"], bars["Other"], bars["End"]) == (
        (1100, 3, 3), (350, 2, 2), (-500, -1, 1), (-400, -1, 1), (550, 3, 3))
    assert m.identity_holds()


def test_a_period_without_deals(company):
    t0, t1 = _points(company)
    m = movement.movement(company, "MA", parse_period("2027-Q3"), t0, t1)
    assert _deals(company, m).empty and m.identity_holds()
    assert set(_bars(m).values()) == {(0, 0, 0)}
    assert len(m.flow) == 28 and m.flow.deal_count.sum() == 0
    assert isinstance(movement_charts.waterfall_figure(m.bars).data[0], go.Waterfall)
    assert isinstance(movement_charts.flow_heatmap(m.flow).data[0], go.Heatmap)


def test_default_comparison(company):
    live = asof.resolve_as_of(company, mc.TODAY, today=mc.TODAY)
    # week of Fri 2026-11-13 starts Mon 11-09: the last snapshot before it is 11-06
    assert movement.default_comparison(company, live) == asof.AsOf(mc.T0, mc.T0)
    snap = asof.AsOf(date(2026, 11, 8), mc.T0)  # effective 11-06, week of Mon 11-02
    assert movement.default_comparison(company, snap) == asof.AsOf(mc.EARLIER, mc.EARLIER)
    with pytest.raises(MovementError, match="no weekly snapshot before the week of 2026-10-26"):
        movement.default_comparison(company, asof.AsOf(mc.EARLIER, mc.EARLIER))


def test_errors(company):
    t0, t1 = _points(company)
    with pytest.raises(MovementError, match="must be before"):
        movement.movement(company, "MA", Q4, t1, t0)
    with pytest.raises(MovementError, match="must be before"):
        movement.movement(company, "MA", Q4, t0, t0)
    same0, same1 = _points(company, date(2026, 11, 7), date(2026, 11, 8))
    with pytest.raises(MovementError, match="both resolve to the weekly snapshot of 2026-11-06"):
        movement.movement(company, "MA", Q4, same0, same1)
    with pytest.raises(MovementError, match="no history before 2026-10-30"):
        _points(company, date(2026, 10, 20))
    early = asof.AsOf(date(2026, 10, 20), date(2026, 10, 20))
    with pytest.raises(MovementError, match="no history before 2026-10-30"):
        movement.movement(company, "MA", Q4, early, t1)
    live0 = asof.AsOf(mc.TODAY, None)
    with pytest.raises(MovementError, match="resolves to the latest data"):
        movement.movement(company, "MA", Q4, live0, asof.AsOf(date(2026, 11, 14), None))
    with pytest.raises(MovementError, match="'NOBODY' is not an active person"):
        movement.movement(company, "NOBODY", Q4, t0, t1)
    assert issubclass(MovementError, ValueError)


def test_no_history_at_all(con):
    with pytest.raises(MovementError, match="no weekly snapshot has been taken"):
        movement.movement(con, "V", Q4, asof.AsOf(date(2026, 11, 6), date(2026, 11, 6)),
                          asof.AsOf(date(2026, 11, 13), None))


def test_charts(company):
    m = _move(company)
    fig = movement_charts.waterfall_figure(m.bars)
    trace = fig.data[0]
    assert isinstance(trace, go.Waterfall)
    assert list(trace.x) == movement.BUCKETS
    assert list(trace.measure) == ["absolute"] + ["relative"] * 8 + ["total"]
    assert list(trace.text)[:2] == ["$13.6K", "+$900"] and trace.text[-1] == "$8.7K"
    heat = movement_charts.flow_heatmap(m.flow).data[0]
    assert list(heat.y) == movement.FLOW_ROWS and list(heat.x) == movement.FLOW_COLUMNS
    assert heat.z[2][2] == 1250  # Commit -> Commit
    assert heat.text[3][2] == "$1.7K<br>2 deals"  # New -> Commit
    assert "$" not in heat.text[3][3]  # New -> Won is impossible and empty


def _both_ways(con, root, period, t0, t1):
    """The bars and flow added up deal by deal and from derived_movement_pairs."""
    params = movement._params(root, period, t0, t1)
    assert movement._is_precomputed(con, params)
    slow, fast = movement._cells_deal_by_deal(con, params), movement._cells_precomputed(
        con, params)
    return ((movement.bars_from_cells(slow), movement.flow_from_cells(slow)),
            (movement.bars_from_cells(fast), movement.flow_from_cells(fast)))


@pytest.mark.parametrize("period_id", ["2026-Q4", "2026-M11", "2026-M12", "2027-M01", "2026-Q3",
                                       "2026"])
def test_precomputed_default_comparison_equals_deal_by_deal(company, period_id):
    # live 2026-11-13 vs its default, the snapshot of 2026-11-06: the page's first view
    t0, t1 = _points(company)
    for root in ["V", "MA", "MB", "W", "RA1", "RA2"]:
        (slow_bars, slow_flow), (fast_bars, fast_flow) = _both_ways(
            company, root, parse_period(period_id), t0, t1)
        pd.testing.assert_frame_equal(slow_bars, fast_bars)
        pd.testing.assert_frame_equal(slow_flow, fast_flow)


def test_other_comparisons_are_added_up_deal_by_deal(company):
    # 2026-10-30 vs now: not the pair derived_movement_pairs holds
    t0, t1 = _points(company, day0=mc.EARLIER)
    assert not movement._is_precomputed(company, movement._params("MA", Q4, t0, t1))


def test_a_dropped_derived_table_falls_back_to_deal_by_deal(company):
    before = _bars(_move(company))
    company.execute("drop table derived_movement_pairs")
    t0, t1 = _points(company)
    assert not movement._is_precomputed(company, movement._params("MA", Q4, t0, t1))
    assert _bars(_move(company)) == before


def test_forecast_pair_reads_each_point_with_its_own_team(company):
    """RA2 left MA's team between t0 and t1: the pair read of both points gives each its
    own team, as two separate reads do."""
    from forecast import overview

    t0, t1 = _points(company)
    now, then = overview.team_forecast_pair(company, "MA", Q4, t1, t0)
    assert set(then.rows.member_id) - set(now.rows.member_id) == {"RA2"}
    for pair_one, single in ((now, overview.team_forecast(company, "MA", Q4, t1)),
                             (then, overview.team_forecast(company, "MA", Q4, t0))):
        pd.testing.assert_frame_equal(pair_one.rows, single.rows)
        pd.testing.assert_series_equal(pair_one.total, single.total)
    # the bridge's change per member is the same whichever read gave the t0 side
    pd.testing.assert_frame_equal(
        movement.movement(company, "MA", Q4, t0, t1, before=then, after=now).by_member,
        _move(company).by_member)
