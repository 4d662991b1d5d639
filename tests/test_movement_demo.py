"""The waterfall identity on every team and every week of the current quarter of a (small)
demo company."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecast import asof, demo, movement
from forecast.calendar import parse_period, period_containing

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def small_demo():
    from forecast import db

    con = db.connect(":memory:")
    demo.build_demo(con, reps=12, quarters=2, today=TODAY)
    yield con
    con.close()


def test_identity_holds_for_every_team_and_week(small_demo):
    con = small_demo
    period = period_containing(TODAY)
    weeks = [d for (d,) in con.execute(
        "select snapshot_date from snapshots where snapshot_date >= $start order by 1",
        {"start": period.start_date}).fetchall()]
    managers = [p for (p,) in con.execute(
        "select distinct manager_id from lines_as_of($d) where manager_id is not null",
        {"d": TODAY}).fetchall()]
    checked = 0
    for t0, t1 in zip(weeks, weeks[1:], strict=False):
        for team in managers:
            try:
                moved = movement.movement(con, team, period, asof.AsOf(t0, t0), asof.AsOf(t1, t1))
            except movement.MovementError:
                continue  # e.g. a manager hired after t0
            assert moved.identity_holds(), (team, t0, t1, moved.identity_text())
            checked += 1
    assert checked >= 0.9 * len(managers) * (len(weeks) - 1)


def test_precomputed_default_comparison_on_every_team(small_demo):
    """The page's first view (live vs the last snapshot before this week) is added up from
    derived_movement_pairs: the same bars and flow as deal by deal, for every team, in the
    current quarter and its months."""
    con = small_demo
    t1 = asof.resolve_as_of(con, TODAY, today=TODAY)
    t0 = movement.default_comparison(con, t1)
    quarter = period_containing(TODAY)
    periods = [quarter, *(parse_period(f"{TODAY.year}-M{m:02d}") for m in (10, 11, 12))]
    managers = [p for (p,) in con.execute(
        "select distinct manager_id from lines_as_of($d) where manager_id is not null",
        {"d": TODAY}).fetchall()]
    for period in periods:
        for team in managers:
            params = movement._params(team, period, t0, t1)
            assert movement._is_precomputed(con, params)
            slow = movement._cells_deal_by_deal(con, params)
            fast = movement._cells_precomputed(con, params)
            pd.testing.assert_frame_equal(movement.bars_from_cells(slow),
                                          movement.bars_from_cells(fast))
            pd.testing.assert_frame_equal(movement.flow_from_cells(slow),
                                          movement.flow_from_cells(fast))
            assert int(movement.bars_from_cells(fast).deal_count.sum()) > 0 or period != quarter
