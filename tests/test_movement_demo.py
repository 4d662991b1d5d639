"""The waterfall identity on every team and every week of the current quarter of a (small)
demo company."""

from __future__ import annotations

from datetime import date

import pytest

from forecast import asof, demo, movement
from forecast.calendar import period_containing

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
