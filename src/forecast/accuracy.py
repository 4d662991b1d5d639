"""Can the callers be trusted: each person's call at a fixed week of past periods against what
closed in their team.

For a person P and an ended period: call = P's commit call standing at the lock of week `week`
of the period (week 1 locks in the period's first days); actual = Closed over P's team of the
period's last day. error = |actual - call| / actual; accuracy = max(0, 1 - error);
bias = (call - actual) / actual (positive = over-calling, negative = sandbagging). Periods where
nothing closed are left out (the error is undefined).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb
import numpy as np
import pandas as pd

from forecast import aggregates, calls, queries
from forecast.calendar import Period


def week_moment(period: Period, week: int, lock: calls.Lock) -> datetime:
    """The lock ending week `week` (1-based) of the period."""
    first = datetime.combine(period.start_date, time(0))
    return calls.week_lock(first + timedelta(days=7 * (week - 1)), lock)


def actual_closed(con: duckdb.DuckDBPyConnection, root_id: str, period: Period) -> pd.DataFrame:
    """Closed in each person's team (of the period's last day) over the period, final state."""
    aggregates.ensure(con)
    own = queries.frame(con, "rollup_nodes", root_id=root_id, as_of=period.end_date, snap=None,
                        start=period.start_date, end=period.end_date, period_id=period.period_id)
    pairs = own[["path", "closed_amount"]].explode("path")
    closed = pairs.groupby("path").closed_amount.sum().rename("actual")
    return own[["person_id", "name", "depth"]].join(closed, on="person_id")


def _with_errors(both: pd.DataFrame) -> pd.DataFrame:
    """error, accuracy and bias of each row's call against its actual."""
    both = both.copy()
    both["error"] = (both.actual - both.call).abs() / both.actual
    both["accuracy"] = np.maximum(0.0, 1 - both.error)
    both["bias"] = (both.call - both.actual) / both.actual
    return both


def caller_scores(
    con: duckdb.DuckDBPyConnection, root_id: str, periods: list[Period], weeks: int = 13
) -> pd.DataFrame:
    """One row per period, week (1..`weeks`) and person of the team of the period's last day
    with a call standing at that week's lock and something closed in their team: call,
    actual, error, accuracy, bias, and whether the lock falls inside the period. Every
    period and week in one query (caller_scores.sql)."""
    aggregates.ensure(con)
    lock = calls.lock_of(con)
    locks = [(p, w, week_moment(p, w, lock)) for p in periods for w in range(1, weeks + 1)]
    scores = queries.frame(
        con, "caller_scores", root_id=root_id,
        period_ids=[p.period_id for p in periods], starts=[p.start_date for p in periods],
        ends=[p.end_date for p in periods], lock_periods=[p.period_id for p, _, _ in locks],
        weeks=[w for _, w, _ in locks], moments=[m for _, _, m in locks])
    return _with_errors(scores)


def ended_periods(periods: list[Period], as_of: date) -> list[Period]:
    return [p for p in periods if p.end_date < as_of]


def accuracy_table(
    con: duckdb.DuckDBPyConnection, root_id: str, periods: list[Period], week: int
) -> pd.DataFrame:
    """One row per person and ended period: call at `week`, actual, error, accuracy, bias."""
    return table_at_week(caller_scores(con, root_id, periods, max(week, 1)), week)


def table_at_week(scores: pd.DataFrame, week: int) -> pd.DataFrame:
    """accuracy_table from caller_scores: the calls standing at the lock of `week`."""
    mine = scores[scores.week == week]
    return mine[["person_id", "name", "depth", "actual", "call", "error", "accuracy", "bias",
                 "period_id"]].reset_index(drop=True)


def by_person(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    return (table.groupby(["person_id", "name", "depth"], as_index=False)
            .agg(periods=("period_id", "nunique"), accuracy=("accuracy", "mean"),
                 bias=("bias", "mean")).sort_values(["depth", "name"]))


def by_level(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    return (table.groupby("depth", as_index=False)
            .agg(people=("person_id", "nunique"), accuracy=("accuracy", "mean"),
                 bias=("bias", "mean")))


def by_week(
    con: duckdb.DuckDBPyConnection, root_id: str, periods: list[Period], weeks: int = 13
) -> pd.DataFrame:
    """Mean accuracy and bias of everyone's calls at each week of the periods."""
    return weekly_means(caller_scores(con, root_id, periods, weeks))


def weekly_means(scores: pd.DataFrame) -> pd.DataFrame:
    """by_week from caller_scores: each week's mean over people, then over periods, counting
    only the weeks whose lock falls inside the period."""
    inside = scores[scores.in_period]
    if inside.empty:
        return pd.DataFrame(columns=["week", "accuracy", "bias"])
    per_period = (inside.groupby(["week", "period_id"], as_index=False)
                  [["accuracy", "bias"]].mean())
    return per_period.groupby("week", as_index=False)[["accuracy", "bias"]].mean()
