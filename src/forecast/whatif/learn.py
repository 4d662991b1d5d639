"""Each open deal's chance of closing in the period, learned from the company's own history.

The history: the deals that were open at the same point of past periods (the weekly snapshot
as many days into a past period of the same kind as the as-of date is into this one), closing
in that period, and what had happened to them by the period's end. Two chances per deal:

- p_close: it closes (won or lost) inside the period; 1 - p_close is the slip rate;
- p_win: it is won, given that it closes (the win rate).

They are counted by stage x age bucket x deal type x segment and shrunk toward the stage's
own rate, which is itself shrunk toward the stage default (p_close = 1: the deal closes when
the CRM says; chance of winning = the stage's probability). Shrinking: rate = (events +
w x prior) / (deals + w), with w = PRIOR_WEIGHT deals, so a group with w deals of history
counts half its own rate and half the prior. With no history at all every deal gets the stage
default, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from forecast import asof, queries
from forecast.calendar import Period, PeriodError, fiscal_start_month, parse_period

AGE_EDGES_DAYS = (31, 91, 181)
AGE_LABELS = {-1: "unknown age", 0: "0-30 days", 1: "31-90 days", 2: "91-180 days",
              3: "over 180 days"}
KEYS = ["stage_name", "age_bucket", "deal_type", "segment"]
PRIOR_WEIGHT = 10.0
LOOKBACK = 4  # past periods learned from
SNAPSHOT_SLACK_DAYS = 6  # the comparable snapshot is at most this much before the point


@dataclass(frozen=True)
class Point:
    """A past period and the weekly snapshot at the same point of it."""

    period: Period
    snapshot_date: date


def previous_period(period: Period, start_month: int) -> Period:
    """The period of the same kind just before `period`."""
    year = period.fiscal_year
    if period.period_type == "year":
        return parse_period(str(year - 1), start_month)
    if period.period_type == "quarter":
        q = period.fiscal_quarter - 1
        return parse_period(f"{year}-Q{q}" if q else f"{year - 1}-Q4", start_month)
    m = period.fiscal_month - 1
    return parse_period(f"{year}-M{m}" if m else f"{year - 1}-M12", start_month)


def comparable_points(con: duckdb.DuckDBPyConnection, period: Period, as_of: date,
                      count: int) -> list[Point]:
    """Up to `count` past periods of the same kind, ended on or before `as_of`, newest first,
    each with the weekly snapshot at the same number of days from its start as `as_of` is
    from `period`'s start (the latest snapshot within SNAPSHOT_SLACK_DAYS before that day)."""
    first, _ = asof.snapshot_range(con)
    if first is None:
        return []
    snapshots = asof.snapshot_dates(con, first, as_of)
    return points_among(snapshots, period, as_of, count, fiscal_start_month(con))


def points_among(snapshots: list[date], period: Period, as_of: date, count: int,
                 start_month: int) -> list[Point]:
    """`comparable_points` over a given, sorted list of snapshot dates."""
    if not snapshots:
        return []
    offset = timedelta(days=(as_of - period.start_date).days)
    days = np.array(snapshots, dtype="datetime64[D]")
    found: list[Point] = []
    past = period
    while len(found) < count:
        try:
            past = previous_period(past, start_month)
        except PeriodError:
            break
        if past.end_date < snapshots[0]:
            break
        if past.end_date > as_of:
            continue
        point = past.start_date + offset
        at = int(np.searchsorted(days, np.datetime64(point, "D"), side="right")) - 1
        if at >= 0 and (point - snapshots[at]).days <= SNAPSHOT_SLACK_DAYS:
            found.append(Point(past, snapshots[at]))
    return found


def rows_of(sample: pd.DataFrame, points: list[Point]) -> pd.DataFrame:
    """The rows of a sample drawn at several points that belong to `points`."""
    keys = pd.MultiIndex.from_tuples([(p.snapshot_date, p.period.start_date) for p in points],
                                     names=["snapshot_date", "period_start"])
    mine = pd.MultiIndex.from_frame(sample[["snapshot_date", "period_start"]]).isin(keys)
    return sample[mine]


def point_params(points: list[Point]) -> dict:
    return {"snapshot_dates": [p.snapshot_date for p in points],
            "period_starts": [p.period.start_date for p in points],
            "period_ends": [p.period.end_date for p in points]}


def history_sample(con: duckdb.DuckDBPyConnection, points: list[Point]) -> pd.DataFrame:
    """Every deal open at each point, closing in that period, with what became of it."""
    found = queries.frame(con, "whatif_learning_sample", **point_params(points),
                          age_edges=list(AGE_EDGES_DAYS))
    for column in ("snapshot_date", "period_start"):  # plain dates, like Point's
        found[column] = pd.to_datetime(found[column]).dt.date
    return found


def stage_defaults(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """stage_name -> the stage's default chance of winning (0..1)."""
    found = con.execute("select stage_name, probability / 100.0 from stages").fetchall()
    return pd.Series(dict(found), dtype=float)


def _shrunk(events: pd.Series, deals: pd.Series, prior: pd.Series, weight: float) -> pd.Series:
    return (events + weight * prior) / (deals + weight)


@dataclass(frozen=True)
class Learned:
    """Counts and shrunk rates by stage and by stage x age x type x segment."""

    points: tuple[Point, ...]
    stages: pd.DataFrame   # stage_name, default, deals, closed, won, p_close, p_won
    cells: pd.DataFrame    # KEYS, deals, closed, won, p_close, p_won
    prior_weight: float

    @property
    def deals_learned_from(self) -> int:
        return int(self.cells.deals.sum()) if not self.cells.empty else 0

    @property
    def has_history(self) -> bool:
        return self.deals_learned_from > 0

    def describe(self) -> str:
        if not self.has_history:
            return ("No history to learn from (no ended period of this kind has a weekly "
                    "snapshot at the same point): every deal gets its stage's default "
                    "probability and is assumed to close in the period.")
        periods = ", ".join(p.period.period_id for p in self.points)
        return (f"Chances learned from {self.deals_learned_from:,} deals that were open at the "
                f"same point of {periods} (whole company), by stage, age, deal type and "
                f"segment; groups with little history lean on their stage's rate, and stages "
                f"with none on the stage default.")

    def chances(self, deals: pd.DataFrame) -> pd.DataFrame:
        """`deals` (KEYS, stage_probability) with p_close, p_win (won if it closes),
        p_won (won in the period) and history_deals (deals of its group in the history)."""
        stage = self.stages.set_index("stage_name")
        prior_close = deals.stage_name.map(stage.p_close).fillna(1.0)
        prior_won = deals.stage_name.map(stage.p_won).fillna(deals.stage_probability).fillna(0.0)
        cell = deals[KEYS].merge(self.cells, on=KEYS, how="left")
        n = cell.deals.fillna(0).to_numpy()
        p_close = _shrunk(cell.closed.fillna(0).to_numpy(), n, prior_close.to_numpy(),
                          self.prior_weight)
        p_won = _shrunk(cell.won.fillna(0).to_numpy(), n, prior_won.to_numpy(),
                        self.prior_weight)
        out = deals.copy()
        out["p_close"] = p_close
        with np.errstate(divide="ignore", invalid="ignore"):
            out["p_win"] = np.where(p_close > 0, np.minimum(p_won / p_close, 1.0),
                                    out.stage_probability.fillna(0.0))
        out["p_won"] = p_won
        out["history_deals"] = n.astype(int)
        return out


def learn_from(sample: pd.DataFrame, defaults: pd.Series, points: list[Point],
               prior_weight: float = PRIOR_WEIGHT) -> Learned:
    """Shrunk rates from a history sample (whatif_learning_sample rows)."""
    stages = pd.DataFrame({"stage_name": defaults.index, "default": defaults.to_numpy()})
    by_stage = counts(sample, ["stage_name"])
    stages = stages.merge(by_stage, on="stage_name", how="left").fillna(
        {"deals": 0, "closed": 0, "won": 0})
    stages["p_close"] = _shrunk(stages.closed, stages.deals, 1.0, prior_weight)
    stages["p_won"] = _shrunk(stages.won, stages.deals, stages["default"], prior_weight)
    return Learned(tuple(points), stages, counts(sample, KEYS), prior_weight)


def counts(sample: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """deals, closed and won by `keys`, from sample rows or from counts already made."""
    if "deals" not in sample:
        sample = sample.assign(deals=1, closed=sample.is_closed_in_period.astype(int),
                               won=sample.is_won_in_period.astype(int))
    return (sample.groupby(keys, as_index=False, dropna=False)[["deals", "closed", "won"]]
            .sum())


def learn(con: duckdb.DuckDBPyConnection, period: Period, as_of: date,
          lookback: int = LOOKBACK, prior_weight: float = PRIOR_WEIGHT) -> Learned:
    """The chances for deals closing in `period`, as of `as_of`, from up to `lookback` past
    periods that had ended by then."""
    points = comparable_points(con, period, as_of, lookback)
    return learn_from(history_sample(con, points), stage_defaults(con), points, prior_weight)
