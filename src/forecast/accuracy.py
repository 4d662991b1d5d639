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


def _scored(calls_then: pd.DataFrame, actual: pd.DataFrame,
            keep: tuple[str, ...] = ()) -> pd.DataFrame:
    both = actual.merge(calls_then[["person_id", "commit_amount", *keep]], on="person_id")
    both = both[both.actual > 0].rename(columns={"commit_amount": "call"})
    both["error"] = (both.actual - both.call).abs() / both.actual
    both["accuracy"] = np.maximum(0.0, 1 - both.error)
    both["bias"] = (both.call - both.actual) / both.actual
    return both


def ended_periods(periods: list[Period], as_of: date) -> list[Period]:
    return [p for p in periods if p.end_date < as_of]


def accuracy_table(
    con: duckdb.DuckDBPyConnection, root_id: str, periods: list[Period], week: int
) -> pd.DataFrame:
    """One row per person and ended period: call at `week`, actual, error, accuracy, bias."""
    lock = calls.lock_of(con)
    frames = []
    for period in periods:
        actual = actual_closed(con, root_id, period)
        moment = week_moment(period, week, lock)
        standing = calls.calls_at(con, actual.person_id.tolist(), period.period_id, moment,
                                  moment - timedelta(days=7))
        frames.append(_scored(standing, actual).assign(period_id=period.period_id))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


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
    lock = calls.lock_of(con)
    frames = []
    for period in periods:
        actual = actual_closed(con, root_id, period)
        moments = [week_moment(period, w, lock) for w in range(1, weeks + 1)]
        in_period = [(w, m) for w, m in enumerate(moments, 1) if m.date() <= period.end_date]
        standing = queries.frame(
            con, "calls_at_weeks", weeks=[w for w, _ in in_period],
            moments=[m for _, m in in_period], period_id=period.period_id,
            people=actual.person_id.tolist())
        scored = _scored(standing, actual, keep=("week",))  # every week in one merge
        if not scored.empty:
            frames.append(scored.assign(period_id=period.period_id))
    if not frames:
        return pd.DataFrame(columns=["week", "accuracy", "bias"])
    per_period = (pd.concat(frames).groupby(["week", "period_id"], as_index=False)
                  [["accuracy", "bias"]].mean())
    return per_period.groupby("week", as_index=False)[["accuracy", "bias"]].mean()
