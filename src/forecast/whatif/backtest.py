"""How the projection would have done: for past periods, what the method said at each weekly
snapshot of the period (learning only from periods that had ended by then) against what
actually closed, beside what the team's submitted call said at the same week.

Per week: error = |actual - P50| / actual, accuracy = max(0, 1 - error), bias = (P50 - actual)
/ actual (positive = the method over-projected), and whether the actual landed inside the
P10-P90 range (it should, about 80 % of the time). The call is scored the same way. Actual =
Closed over the team of the period's last day, final state (as `forecast.accuracy` does);
periods where nothing closed are left out of accuracy and bias.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from forecast import accuracy, asof, calls, hierarchy, overview, queries
from forecast.calendar import Period, fiscal_start_month
from forecast.whatif import learn, newpipe, projection
from forecast.whatif.learn import LOOKBACK, PRIOR_WEIGHT

BACKTEST_SIMULATIONS = 2_000


def _actual(con: duckdb.DuckDBPyConnection, root_id: str, period: Period) -> float:
    found = accuracy.actual_closed(con, root_id, period)
    root = found.loc[found.person_id == root_id, "actual"]
    return float(root.iloc[0]) if len(root) and pd.notna(root.iloc[0]) else 0.0


def _call_commit(con: duckdb.DuckDBPyConnection, root_id: str, period: Period, week: int,
                 lock: calls.Lock) -> float:
    moment = accuracy.week_moment(period, week, lock)
    found = calls.calls_at(con, [root_id], period.period_id, moment, moment)
    return float(found.commit_amount.iloc[0]) if len(found) else float("nan")


def _scores(forecast: pd.Series, actual: pd.Series) -> tuple[pd.Series, pd.Series]:
    valid = actual > 0
    error = (forecast - actual).abs() / actual.where(valid)
    return np.maximum(0.0, 1 - error), (forecast - actual) / actual.where(valid)


def period_weeks(con: duckdb.DuckDBPyConnection, root_id: str, period: Period,
                 simulations: int = BACKTEST_SIMULATIONS, seed: int = projection.DEFAULT_SEED,
                 lookback: int = LOOKBACK, prior_weight: float = PRIOR_WEIGHT) -> pd.DataFrame:
    """One row per weekly snapshot of an ended `period`: the projection then (the team of the
    period's last day, as for the actual), the call then, and what actually closed."""
    end = asof.AsOf(period.end_date, period.end_date)
    try:
        root_name = str(hierarchy.team(con, root_id, period.end_date).iloc[0]["name"])
    except hierarchy.TeamError:
        return pd.DataFrame()  # the person was not in the hierarchy then
    weekly = overview.weekly_trend(con, root_id, period, end).set_index("as_of_date")
    if weekly.empty:
        return pd.DataFrame()
    first, _ = asof.snapshot_range(con)
    history = asof.snapshot_dates(con, first, period.end_date)
    start_month = fiscal_start_month(con)
    points = {day: learn.points_among(history, period, day, lookback, start_month)
              for day in weekly.index}
    every = list(dict.fromkeys(p for found in points.values() for p in found))
    # counted once per point and group (sizes split by the thirds of all of them); each week
    # then sums the counts of its points
    rows = learn.history_sample(con, every)
    edges = learn.size_edges(rows)
    sample = learn.counts(learn.with_size(rows, edges),
                          ["snapshot_date", "period_start", *learn.KEYS])
    new_won = newpipe.new_won_sample(con, root_id, every, period.end_date)
    defaults = learn.stage_defaults(con)
    open_then = queries.frame(
        con, "whatif_open_deals_weekly", root_id=root_id, as_of=period.end_date,
        first=period.start_date, last=period.end_date, start=period.start_date,
        end=period.end_date, later_end=learn.next_period(period, start_month).end_date,
        age_edges=list(learn.AGE_EDGES_DAYS))
    open_then["as_of_date"] = pd.to_datetime(open_then.as_of_date).dt.date
    lock = calls.lock_of(con)
    actual = _actual(con, root_id, period)
    rows = []
    for day, found in points.items():
        learned = learn.learn_from(learn.rows_of(sample, found), defaults, found, prior_weight,
                                   edges)
        deals = learned.chances(open_then[open_then.as_of_date == day].reset_index(drop=True))
        base = projection.Baseline(
            root_name, period.period_id, float(weekly.closed_amount[day]), float("nan"), deals,
            learned, newpipe.from_sample(learn.rows_of(new_won, found), len(found)))
        run = projection.project(base, None, simulations, seed)
        week = (day - period.start_date).days // 7 + 1
        rows.append({"period_id": period.period_id, "week": week, "snapshot_date": day,
                     "p10": run.p10, "p50": run.p50, "p90": run.p90, "mean": run.mean,
                     "call_commit": _call_commit(con, root_id, period, week, lock),
                     "actual": actual, "learned": learned.has_history})
    return pd.DataFrame(rows)


def backtest(con: duckdb.DuckDBPyConnection, root_id: str, periods: list[Period],
             simulations: int = BACKTEST_SIMULATIONS, seed: int = projection.DEFAULT_SEED,
             lookback: int = LOOKBACK, prior_weight: float = PRIOR_WEIGHT) -> pd.DataFrame:
    """Every weekly point of every period in `periods`, scored (see the module's doc)."""
    frames = [period_weeks(con, root_id, p, simulations, seed, lookback, prior_weight)
              for p in periods]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["period_id", "week", "snapshot_date", "p10", "p50", "p90",
                                     "mean", "call_commit", "actual", "learned", "in_range",
                                     "accuracy", "bias", "call_accuracy", "call_bias"])
    out = pd.concat(frames, ignore_index=True)
    out["in_range"] = (out.actual >= out.p10) & (out.actual <= out.p90)
    out["accuracy"], out["bias"] = _scores(out.p50, out.actual)
    out["call_accuracy"], out["call_bias"] = _scores(out.call_commit, out.actual)
    return out


@dataclass(frozen=True)
class Trust:
    """The backtest in three numbers."""

    points: int
    accuracy: float      # mean accuracy of P50
    bias: float          # mean bias of P50
    in_range: float      # share of points whose actual fell inside P10-P90
    call_accuracy: float  # mean accuracy of the submitted call (NaN without calls)


def trust(scored: pd.DataFrame) -> Trust:
    if scored.empty:
        nan = float("nan")
        return Trust(0, nan, nan, nan, nan)
    return Trust(len(scored), float(scored.accuracy.mean()), float(scored.bias.mean()),
                 float(scored.in_range.mean()), float(scored.call_accuracy.mean()))


def by_week(scored: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy, bias and in-range share of the method and of the call per week."""
    return (scored.groupby("week", as_index=False)
            .agg(points=("period_id", "size"), accuracy=("accuracy", "mean"),
                 bias=("bias", "mean"), in_range=("in_range", "mean"),
                 call_accuracy=("call_accuracy", "mean"), call_bias=("call_bias", "mean")))


def periods_to_test(period: Period, as_of: date, count: int, start_month: int,
                    first_snapshot: date | None) -> list[Period]:
    """Up to `count` periods of the same kind as `period`, ended before `as_of` and not
    before the first snapshot, newest first."""
    found: list[Period] = []
    past = period
    while first_snapshot is not None and len(found) < count:
        past = learn.previous_period(past, start_month)
        if past.end_date < first_snapshot:
            break
        if past.end_date < as_of:
            found.append(past)
    return found
