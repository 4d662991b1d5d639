"""The waterfall identity on every team and every week of the current quarter of a (small)
demo company."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecast import asof, demo, hierarchy, movement, overview
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


def _members_by_joins(before, after) -> pd.DataFrame:
    """members_change as pandas joins (the definition the plain-Python sums must match)."""
    metrics = movement.MEMBER_METRICS

    def side(f, suffix):
        rows = f.rows.set_index("member_id")[["name", "is_own_deals", *metrics]]
        return rows.rename(columns={m: f"{m}_{suffix}" for m in metrics})

    a, b = side(before, "t0"), side(after, "t1")
    both = a.drop(columns=["name", "is_own_deals"]).join(
        b.drop(columns=["name", "is_own_deals"]), how="outer")
    names = pd.concat([b[["name", "is_own_deals"]], a[["name", "is_own_deals"]]])
    out = names[~names.index.duplicated()].join(both)
    out["is_in_team_t0"] = out.index.isin(a.index)
    out["is_in_team_t1"] = out.index.isin(b.index)
    for m in metrics:
        out[[f"{m}_t0", f"{m}_t1"]] = out[[f"{m}_t0", f"{m}_t1"]].fillna(0.0)
        out[f"{m}_change"] = out[f"{m}_t1"] - out[f"{m}_t0"]
    out["label"] = out.name.where(~out.is_own_deals.astype(bool), out.name + " (own deals)")
    out = out.reset_index().sort_values(["is_own_deals", "name"], ascending=[False, True])
    return out.reset_index(drop=True)


def _bars_by_groupby(cells: pd.DataFrame) -> pd.DataFrame:
    """bars_from_cells as a pandas groupby (the definition)."""
    signed = cells.direction.map({"in": 1, "out": -1}).fillna(0).astype("int64")
    parts = cells.assign(count_change=signed * cells.deal_count)
    sums = parts.groupby("bucket")[["value_cents", "inflow_cents", "outflow_cents",
                                    "deal_count", "count_change"]].sum()
    sums = sums.reindex(movement.CHANGE_BUCKETS, fill_value=0)
    n_start, n_end = int(cells.start_count.sum()), int(cells.end_count.sum())
    rows = [movement._bar("Start", int(cells.start_cents.sum()), 0, 0, n_start, n_start)]
    rows += [movement._bar(b, int(r.value_cents), int(r.inflow_cents), int(r.outflow_cents),
                           int(r.deal_count), int(r.count_change)) for b, r in sums.iterrows()]
    rows.append(movement._bar("End", int(cells.end_cents.sum()), 0, 0, n_end, n_end))
    return pd.DataFrame(rows)


def _flow_by_groupby(cells: pd.DataFrame) -> pd.DataFrame:
    """flow_from_cells as a pandas groupby over the full grid (the definition)."""
    sums = cells.groupby(["flow_row", "flow_column"])[
        ["deal_count", "start_cents", "end_cents"]].sum()
    grid = pd.MultiIndex.from_product([movement.FLOW_ROWS, movement.FLOW_COLUMNS],
                                      names=["flow_row", "flow_column"])
    flow = sums.reindex(grid, fill_value=0).reset_index()
    cents = flow.end_cents.where(flow.flow_column.isin(movement.OPEN_CATEGORIES),
                                 flow.start_cents)
    return pd.DataFrame({
        "category_t0": flow.flow_row, "category_t1": flow.flow_column,
        "deal_count": flow.deal_count.astype("int64"), "amount": cents / 100,
        "amount_t0": flow.start_cents / 100, "amount_t1": flow.end_cents / 100,
    })


def test_sums_in_python_match_the_pandas_definition(small_demo):
    """The change per member, the bars and the flow are added up in plain Python (pandas
    cost ~10 ms each on a dozen rows): the same frames, to the bit, as joining and grouping
    in pandas, for every team at the default comparison and between two snapshots."""
    con = small_demo
    live = asof.resolve_as_of(con, TODAY, today=TODAY)
    pairs = [(movement.default_comparison(con, live), live),
             (asof.AsOf(date(2026, 10, 30), date(2026, 10, 30)),
              asof.AsOf(date(2026, 11, 13), date(2026, 11, 13)))]
    period = period_containing(TODAY)
    teams = [p for (p,) in con.execute(
        "select person_id from lines_as_of($d) where is_active", {"d": TODAY}).fetchall()]
    moved_members = 0
    for t0, t1 in pairs:
        for team in teams:
            try:
                movement.movement(con, team, period, t0, t1)
            except movement.MovementError:
                continue
            before = overview.team_forecast(con, team, period, t0)
            after = overview.team_forecast(con, team, period, t1)
            by_member = movement.members_change(before, after)
            pd.testing.assert_frame_equal(by_member, _members_by_joins(before, after),
                                          check_exact=True)
            pd.testing.assert_frame_equal(movement.members_change(after, before),
                                          _members_by_joins(after, before), check_exact=True)
            cells = movement._cells(con, movement._params(team, period, t0, t1))
            pd.testing.assert_frame_equal(movement.bars_from_cells(cells),
                                          _bars_by_groupby(cells), check_exact=True)
            pd.testing.assert_frame_equal(movement.flow_from_cells(cells),
                                          _flow_by_groupby(cells), check_exact=True)
            moved_members += int((by_member.commit_forecast_change != 0).sum())
    assert moved_members > 0


def _same_forecast(pair_one, single) -> None:
    # the same sums in another statement may add up in another order: equal to the cent
    pd.testing.assert_frame_equal(pair_one.rows, single.rows, check_exact=False, atol=0.005,
                                  rtol=0)
    pd.testing.assert_series_equal(pair_one.total, single.total, check_exact=False,
                                   atol=0.005, rtol=0)
    assert (pair_one.root_name, pair_one.as_of) == (single.root_name, single.as_of)
    assert pair_one.quota_below == pytest.approx(single.quota_below, nan_ok=True)


def test_forecast_pair_is_two_forecasts(small_demo):
    """The review reads the team now and at the default comparison point in one query
    (category_rollup.sql at two points): the same two forecasts as reading each alone, for every
    team, in the quarter and a month."""
    con = small_demo
    now = asof.resolve_as_of(con, TODAY, today=TODAY)
    then = movement.default_comparison(con, now)
    earlier = asof.AsOf(date(2026, 10, 30), date(2026, 10, 30))
    teams = [p for (p,) in con.execute(
        "select person_id from lines_as_of($d) where is_active", {"d": TODAY}).fetchall()]
    compared = 0
    for period in (period_containing(TODAY), parse_period(f"{TODAY.year}-M11")):
        for team in teams:
            for at, back in ((now, then), (then, earlier)):
                first, second = overview.team_forecast_pair(con, team, period, at, back)
                _same_forecast(first, overview.team_forecast(con, team, period, at))
                if second is None:  # not in the hierarchy then
                    with pytest.raises(hierarchy.TeamError):
                        overview.team_forecast(con, team, period, back)
                    continue
                _same_forecast(second, overview.team_forecast(con, team, period, back))
                compared += 1
    assert compared >= len(teams) * 3
