"""Are the learned chances right? Deals given 30 % should be won about 30 % of the time.

Out of sample: for each of the last few ended periods (the test period), the chances are
learned only from the periods before it, at the same point of the period as the as-of date,
and given to the deals open at that point of the test period; then compared with whether they
were won inside it. Deals are put in ten buckets by their chance (0-10 %, ..., 90-100 %); in
each, the mean chance given against the share actually won. The stage defaults are scored the
same way, for comparison. Brier score = mean of (chance - outcome)^2, outcome 1 if won in the
period else 0: lower is better, 0.25 is what a constant 50 % scores on even odds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from forecast.calendar import Period
from forecast.whatif.learn import (
    LOOKBACK,
    PRIOR_WEIGHT,
    Learned,
    comparable_points,
    held_counts,
    held_edges,
    held_history,
    history_sample,
    learn_from,
    stage_defaults,
)

TESTED_PERIODS = 4
BUCKETS = 10
METHODS = {"p_won": "Learned", "stage_probability": "Stage default"}


@dataclass(frozen=True)
class Calibration:
    buckets: pd.DataFrame     # method, bucket, label, deals, predicted, actual
    brier: dict[str, float]   # method -> Brier score
    deals: int
    periods: tuple[str, ...]  # the test periods

    @property
    def is_empty(self) -> bool:
        return self.deals == 0


def predictions(con: duckdb.DuckDBPyConnection, period: Period, as_of: date,
                tested: int = TESTED_PERIODS, lookback: int = LOOKBACK,
                prior_weight: float = PRIOR_WEIGHT) -> pd.DataFrame:
    """Rows of deals of each test period: p_won (learned from earlier periods only),
    stage_probability, deals (how many deals the row stands for) and won (how many of them
    were won in the period). From the derived table's counts when it holds the points, else
    one row per deal."""
    points = comparable_points(con, period, as_of, tested + lookback)
    held = held_history(con, points)
    sample = history_sample(con, points) if held is None else held
    defaults = stage_defaults(con)
    frames = []
    for i, test in enumerate(points[:tested]):
        train = points[i + 1:i + 1 + lookback]
        if not train:
            break
        starts = [p.period.start_date for p in train]
        learned = _learned(sample[sample.period_start.isin(starts)], held is not None,
                           defaults, train, prior_weight)
        deals = sample[sample.period_start == test.period.start_date].copy()
        if held is None:
            deals = deals.assign(deals=1, won=deals.is_won_in_period.astype(int))
        # the stage default of a deal dated after the period: it closes then, so 0 now
        deals["stage_probability"] = deals.stage_name.map(defaults).fillna(0.0).where(
            ~deals.is_later.astype(bool), 0.0)
        given = learned.chances(deals)
        frames.append(given[["p_won", "stage_probability", "deals", "won"]].assign(
            period_id=test.period.period_id))
    if not frames:
        return pd.DataFrame(columns=["p_won", "stage_probability", "deals", "won",
                                     "period_id"])
    return pd.concat(frames, ignore_index=True)


def _learned(train: pd.DataFrame, is_held: bool, defaults: pd.Series, points: list,
             prior_weight: float) -> Learned:
    # the chances only: the swing (a few hundred ms each at a million deals) widens the
    # simulated range, it does not change any deal's chance
    if not is_held:
        return learn_from(train, defaults, points, prior_weight, with_swing=False)
    edges = held_edges(train)  # the thirds of the training periods' amounts, as unheld
    return learn_from(held_counts(train, edges), defaults, points, prior_weight, edges,
                      with_swing=False)


def bucketed(given: pd.DataFrame, buckets: int = BUCKETS) -> Calibration:
    """Calibration buckets and Brier scores of `predictions` rows, each weighed by the deals
    it stands for."""
    deals = given.deals.astype(float)
    won = given.won.astype(float)
    total = float(deals.sum())
    frames, brier = [], {}
    for column, method in METHODS.items():
        chance = given[column].astype(float)
        index = np.minimum((chance * buckets).astype(int), buckets - 1)
        table = (pd.DataFrame({"bucket": index, "deals": deals, "weighted": chance * deals,
                               "won": won})
                 .groupby("bucket", as_index=False)[["deals", "weighted", "won"]].sum())
        table["predicted"] = table.weighted / table.deals
        table["actual"] = table.won / table.deals
        table["deals"] = table.deals.astype(int)
        step = 100 // buckets
        table["label"] = [f"{b * step}-{(b + 1) * step} %" for b in table.bucket]
        frames.append(table.assign(method=method))
        # (chance - outcome)^2 over the row's deals: won ones score (chance - 1)^2
        squares = won * (chance - 1) ** 2 + (deals - won) * chance ** 2
        brier[method] = float(squares.sum() / total) if total else float("nan")
    columns = ["method", "bucket", "label", "deals", "predicted", "actual"]
    return Calibration(pd.concat(frames, ignore_index=True)[columns], brier, int(total),
                       tuple(dict.fromkeys(given.period_id)))


def calibration(con: duckdb.DuckDBPyConnection, period: Period, as_of: date,
                tested: int = TESTED_PERIODS, lookback: int = LOOKBACK,
                prior_weight: float = PRIOR_WEIGHT) -> Calibration:
    return bucketed(predictions(con, period, as_of, tested, lookback, prior_weight))
