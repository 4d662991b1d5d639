"""Each open deal's chance of closing in the period, learned from the company's own history.

The history: the deals that were open at the same point of past periods (the weekly snapshot
as many days into a past period of the same kind as the as-of date is into this one), closing
in that period or the next one, and what had happened to them by the period's end. A deal
dated in the next period can still be pulled in and won; its chances are learned apart
(`is_later`), and its default is that it closes on its date, outside the period. Two chances
per deal:

- p_close: it closes (won or lost) inside the period; 1 - p_close is the slip rate;
- p_win: it is won, given that it closes (the win rate).

They are counted at three levels (LEVELS): stage; stage x deal type x segment; and that x
age bucket x size (the third of the history's amounts the deal's amount falls in). Each
level's rate is shrunk toward the level above, the stage's toward the stage default
(p_close = 1: the deal closes when the CRM says; chance of winning = the stage's
probability). Shrinking: rate = (events + w x prior) / (deals + w), with w = PRIOR_WEIGHT
deals, so a group with w deals of history counts half its own rate and half the prior. With
no history at all every deal gets the stage default, and the page says so.

Deals do not win or lose independently: a whole period runs hot or cold. The **swing** is how
much: for each past period, what its open deals actually won (in value) against what the
chances learned from the other periods said, and the standard deviation of that ratio over
the periods (at least MIN_SWING_PERIODS of them; else 0). The simulation draws one factor
per simulation with that spread (see `forecast.whatif.simulate`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from forecast import aggregates, asof, queries
from forecast.calendar import Period, PeriodError, fiscal_start_month, parse_period

AGE_EDGES_DAYS = (31, 91, 181)
AGE_LABELS = {-1: "unknown age", 0: "0-30 days", 1: "31-90 days", 2: "91-180 days",
              3: "over 180 days"}
STAGE_KEYS = ["is_later", "stage_name"]
TYPE_KEYS = [*STAGE_KEYS, "deal_type", "segment"]
KEYS = [*TYPE_KEYS, "age_bucket", "size_bucket"]
# each level's rate is shrunk toward the one before; the first toward the stage default
LEVELS = (STAGE_KEYS, TYPE_KEYS, KEYS)
SIZE_LABELS = {0: "smallest third", 1: "middle third", 2: "largest third"}
PRIOR_WEIGHT = 10.0
LOOKBACK = 4  # past periods learned from
MIN_SWING_PERIODS = 3
SNAPSHOT_SLACK_DAYS = 6  # the comparable snapshot is at most this much before the point


@dataclass(frozen=True)
class Point:
    """A past period and the weekly snapshot at the same point of it."""

    period: Period
    snapshot_date: date
    later_end: date  # the end of the period after it: deals dated up to here are learned from


def next_period(period: Period, start_month: int) -> Period:
    """The period of the same kind just after `period`."""
    year = period.fiscal_year
    if period.period_type == "year":
        return parse_period(str(year + 1), start_month)
    if period.period_type == "quarter":
        q = period.fiscal_quarter
        return parse_period(f"{year}-Q{q + 1}" if q < 4 else f"{year + 1}-Q1", start_month)
    m = period.fiscal_month
    return parse_period(f"{year}-M{m + 1}" if m < 12 else f"{year + 1}-M1", start_month)


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
            found.append(Point(past, snapshots[at], next_period(past, start_month).end_date))
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
            "period_ends": [p.period.end_date for p in points],
            "later_ends": [p.later_end for p in points]}


def fetch(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """`queries.frame` through Arrow: the same frame about twice as soon on the history's
    hundred thousand rows, whose strings pandas would otherwise build one by one. Dates come
    as plain dates (like Point's), not as timestamps."""
    result = con.execute(queries.sql(name), params)
    with warnings.catch_warnings():
        # DuckDB warns that this copies the rows and suggests con.sql, which refuses to run
        # while the run's cursor holds a result read with fetchone; the copy costs far less
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        table = result.to_arrow_table()
    found = table.to_pandas()
    for field, column in zip(table.schema, table.columns, strict=True):
        found[field.name] = _as_frame_gives(found[field.name], field.type, column)
    return found


_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(),
             pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
             pa.bool_(): pd.BooleanDtype()}


def _as_frame_gives(values: pd.Series, kind: pa.DataType, column: pa.ChunkedArray) -> pd.Series:
    """A column as queries.frame gives it: whole numbers and flags with a null in them as
    pandas' nullable types (Arrow gives floats and objects), text with no value at all (or
    no row) as None."""
    if column.null_count and kind in _NULLABLE:
        return column.to_pandas(types_mapper=_NULLABLE.get).set_axis(values.index)
    if values.dtype == "str" and values.isna().all():
        return pd.Series([None] * len(values), index=values.index, dtype=object)
    return values


def history_sample(con: duckdb.DuckDBPyConnection, points: list[Point]) -> pd.DataFrame:
    """Every deal open at each point, closing in that period, with what became of it."""
    return fetch(con, "whatif_learning_sample", **point_params(points),
                 age_edges=list(AGE_EDGES_DAYS))


def _derived_covers(con: duckdb.DuckDBPyConnection, points: list[Point]) -> bool:
    """Whether derived_whatif_history holds every one of `points` (it holds the points of the
    opening view: the periods containing the data date; see derived_whatif_points.sql)."""
    aggregates.ensure(con, "whatif")
    held = {tuple(row) for row in con.execute(
        "select snapshot_date, period_start, period_end, later_end "
        "from derived_whatif_points").fetchall()}
    return all((p.snapshot_date, p.period.start_date, p.period.end_date, p.later_end) in held
               for p in points)


def held_history(con: duckdb.DuckDBPyConnection, points: list[Point]) -> pd.DataFrame | None:
    """`history_sample` of `points` counted (deals, closed, won) by snapshot_date,
    period_start, the keys but size, and amount, from the derived table; None when the table
    does not hold every point."""
    if not points or not _derived_covers(con, points):
        return None
    return fetch(con, "whatif_history_counts", **point_params(points))


def held_edges(held: pd.DataFrame) -> tuple[float, ...]:
    """`size_edges` of the sample `held` counts: each amount as many times as it has deals,
    so np.quantile sees the very numbers it sees on the sample's rows."""
    whole = np.repeat(held.amount.to_numpy(dtype=float), held.deals.to_numpy(dtype=np.int64))
    return tuple(float(v) for v in np.quantile(whole, [1 / 3, 2 / 3])) if len(whole) else ()


def held_counts(held: pd.DataFrame, edges: tuple[float, ...]) -> pd.DataFrame:
    """`held` rows with their size bucket and amounts summed, as `counts` makes them."""
    amounts = held.amount.to_numpy(dtype=float)
    return with_size(held, edges).assign(amount=amounts * held.deals,
                                         won_amount=amounts * held.won)


def stage_defaults(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """stage_name -> the stage's default chance of winning (0..1)."""
    found = con.execute("select stage_name, probability / 100.0 from stages").fetchall()
    return pd.Series(dict(found), dtype=float)


def _shrunk(events: pd.Series, deals: pd.Series, prior: pd.Series, weight: float) -> pd.Series:
    return (events + weight * prior) / (deals + weight)


@dataclass(frozen=True)
class Learned:
    """Counts by each level of LEVELS, stage-level rates, size thirds and the swing."""

    points: tuple[Point, ...]
    stages: pd.DataFrame   # STAGE_KEYS, default, deals, closed, won, p_close, p_won
    levels: tuple[pd.DataFrame, ...]   # counts (deals, closed, won) by each of LEVELS' keys
    prior_weight: float
    size_edges: tuple[float, ...] = ()  # amounts splitting the history into thirds
    swing: float = 0.0   # sd over past periods of won value / value the chances gave

    @property
    def cells(self) -> pd.DataFrame:
        return self.levels[-1]

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
                f"same point of {periods} (whole company), by stage, deal type, segment, age "
                f"and size, and whether the deal was dated in the period or the next one (it "
                f"may be pulled in); groups with little history lean on the broader group, "
                f"and stages with none on the stage default. Periods swing: what they won "
                f"was off what the chances said by {self.swing:.0%} (one standard "
                f"deviation)" + ("." if self.swing else
                                 f", not measured: it takes {MIN_SWING_PERIODS} periods."))

    def chances(self, deals: pd.DataFrame) -> pd.DataFrame:
        """`deals` (KEYS, stage_probability) with p_close, p_win (won if it closes),
        p_won (won in the period) and history_deals (deals of its group in the history)."""
        if "size_bucket" not in deals:
            deals = with_size(deals, self.size_edges)
        p_close = np.where(deals.is_later, 0.0, 1.0)
        p_won = np.where(deals.is_later, 0.0, deals.stage_probability.fillna(0.0))
        for keys, table in zip(LEVELS, self.levels, strict=True):
            found = deals[keys].merge(table, on=keys, how="left")
            n = found.deals.fillna(0).to_numpy()
            p_close = _shrunk(found.closed.fillna(0).to_numpy(), n, p_close, self.prior_weight)
            p_won = _shrunk(found.won.fillna(0).to_numpy(), n, p_won, self.prior_weight)
        out = deals.copy()
        out["p_close"] = p_close
        with np.errstate(divide="ignore", invalid="ignore"):
            out["p_win"] = np.where(p_close > 0, np.minimum(p_won / p_close, 1.0),
                                    out.stage_probability.fillna(0.0).to_numpy())
        out["p_won"] = p_won
        out["history_deals"] = n.astype(int)
        return out


def size_edges(sample: pd.DataFrame) -> tuple[float, ...]:
    """The amounts that split a history sample's deals into thirds (none if it is empty)."""
    if sample.empty:
        return ()
    return tuple(float(v) for v in np.quantile(sample.amount.astype(float), [1 / 3, 2 / 3]))


def with_size(deals: pd.DataFrame, edges: tuple[float, ...]) -> pd.DataFrame:
    """`deals` with size_bucket: how many of `edges` are at or below the amount."""
    bucket = np.searchsorted(np.asarray(edges, dtype=float), deals.amount.astype(float),
                             side="right") if len(deals) else np.zeros(0, dtype=int)
    return deals.assign(size_bucket=np.asarray(bucket, dtype=int))


def learn_from(sample: pd.DataFrame, defaults: pd.Series, points: list[Point],
               prior_weight: float = PRIOR_WEIGHT, edges: tuple[float, ...] | None = None,
               with_swing: bool = True) -> Learned:
    """Shrunk rates from a history sample: whatif_learning_sample rows, or counts of them by
    KEYS already made with size `edges`."""
    if edges is None:
        edges = size_edges(sample)
        sample = with_size(sample, edges)
    stages = pd.concat([
        pd.DataFrame({"is_later": later, "stage_name": defaults.index,
                      "default": 0.0 if later else defaults.to_numpy()})
        for later in (False, True)], ignore_index=True)
    by_stage = counts(sample, STAGE_KEYS)
    stages = stages.merge(by_stage, on=STAGE_KEYS, how="left").fillna(
        {"deals": 0, "closed": 0, "won": 0})
    # a deal dated later is by default assumed to close on its date, outside the period
    default_close = np.where(stages.is_later, 0.0, 1.0)
    stages["p_close"] = _shrunk(stages.closed, stages.deals, default_close, prior_weight)
    stages["p_won"] = _shrunk(stages.won, stages.deals, stages["default"], prior_weight)
    learned = Learned(tuple(points), stages, tuple(counts(sample, keys) for keys in LEVELS),
                      prior_weight, edges)
    if not with_swing or len(points) < MIN_SWING_PERIODS or sample.empty:
        return learned
    return replace(learned, swing=_swing(sample, defaults, points, prior_weight, edges))


def _swing(sample: pd.DataFrame, defaults: pd.Series, points: list[Point],
           prior_weight: float, edges: tuple[float, ...]) -> float:
    """The spread over past periods of (won value / value given by the chances learned from
    the other periods): leave-one-out, so that a period is not judged by its own outcome.
    The same walk down LEVELS as `Learned.chances`, on arrays: a period's counts are taken
    off the totals instead of counting the others again."""
    rows = counts(sample, ["period_start", *KEYS])
    period = pd.factorize(rows.period_start)[0]
    later = rows.is_later.to_numpy(dtype=bool)
    default_won = np.where(later, 0.0, rows.stage_name.map(defaults).fillna(0.0).to_numpy())
    levels = []
    for keys in LEVELS:
        group = rows.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        levels.append((group, {c: np.bincount(group, rows[c].to_numpy(dtype=float))
                               for c in ("deals", "closed", "won")}))
    ratios = []
    for k in range(period.max() + 1):
        own = period == k
        p_close, p_won = np.where(later, 0.0, 1.0)[own], default_won[own]
        for group, total in levels:
            size = len(total["deals"])
            mine = {c: np.bincount(group[own], rows[c].to_numpy(dtype=float)[own],
                                   minlength=size) for c in total}
            rest = {c: (total[c] - mine[c])[group[own]] for c in total}
            p_close = _shrunk(rest["closed"], rest["deals"], p_close, prior_weight)
            p_won = _shrunk(rest["won"], rest["deals"], p_won, prior_weight)
        expected = float((rows.amount.to_numpy()[own] * p_won).sum())
        if expected > 0:
            ratios.append(float(rows.won_amount.to_numpy()[own].sum()) / expected)
    return float(np.std(ratios, ddof=1)) if len(ratios) >= MIN_SWING_PERIODS else 0.0


def counts(sample: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """deals, closed and won by `keys`, from sample rows or from counts already made."""
    if "deals" not in sample:
        won = sample.is_won_in_period.astype(bool)
        sample = sample.assign(deals=1, closed=sample.is_closed_in_period.astype(int),
                               won=won.astype(int),
                               won_amount=sample.amount.astype(float).where(won, 0.0))
    sample = sample.astype({"is_later": bool, "amount": float})  # also when empty
    return (sample.groupby(keys, as_index=False, dropna=False)
            [["deals", "closed", "won", "amount", "won_amount"]].sum())


def learn(con: duckdb.DuckDBPyConnection, period: Period, as_of: date,
          lookback: int = LOOKBACK, prior_weight: float = PRIOR_WEIGHT) -> Learned:
    """The chances for deals closing in `period`, as of `as_of`, from up to `lookback` past
    periods that had ended by then."""
    points = comparable_points(con, period, as_of, lookback)
    held = held_history(con, points)
    if held is not None:
        edges = held_edges(held)
        return learn_from(held_counts(held, edges), stage_defaults(con), points, prior_weight,
                          edges)
    return learn_from(history_sample(con, points), stage_defaults(con), points, prior_weight)
