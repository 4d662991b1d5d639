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
    comparable_points,
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
    """One row per deal of each test period: p_won (learned from earlier periods only),
    stage_probability and is_won_in_period."""
    points = comparable_points(con, period, as_of, tested + lookback)
    sample = history_sample(con, points)
    defaults = stage_defaults(con)
    frames = []
    for i, test in enumerate(points[:tested]):
        train = points[i + 1:i + 1 + lookback]
        if not train:
            break
        starts = [p.period.start_date for p in train]
        learned = learn_from(sample[sample.period_start.isin(starts)], defaults, train,
                             prior_weight)
        deals = sample[sample.period_start == test.period.start_date].copy()
        # the stage default of a deal dated after the period: it closes then, so 0 now
        deals["stage_probability"] = deals.stage_name.map(defaults).fillna(0.0).where(
            ~deals.is_later.astype(bool), 0.0)
        given = learned.chances(deals)
        frames.append(given[["opportunity_id", "p_won", "stage_probability",
                             "is_won_in_period"]].assign(period_id=test.period.period_id))
    if not frames:
        return pd.DataFrame(columns=["opportunity_id", "p_won", "stage_probability",
                                     "is_won_in_period", "period_id"])
    return pd.concat(frames, ignore_index=True)


def bucketed(given: pd.DataFrame, buckets: int = BUCKETS) -> Calibration:
    """Calibration buckets and Brier scores of `predictions` rows."""
    outcome = given.is_won_in_period.astype(float)
    frames, brier = [], {}
    for column, method in METHODS.items():
        chance = given[column].astype(float)
        index = np.minimum((chance * buckets).astype(int), buckets - 1)
        table = (pd.DataFrame({"bucket": index, "predicted": chance, "actual": outcome})
                 .groupby("bucket", as_index=False)
                 .agg(deals=("actual", "size"), predicted=("predicted", "mean"),
                      actual=("actual", "mean")))
        step = 100 // buckets
        table["label"] = [f"{b * step}-{(b + 1) * step} %" for b in table.bucket]
        frames.append(table.assign(method=method))
        brier[method] = float(((chance - outcome) ** 2).mean()) if len(given) else float("nan")
    columns = ["method", "bucket", "label", "deals", "predicted", "actual"]
    return Calibration(pd.concat(frames, ignore_index=True)[columns], brier, len(given),
                       tuple(dict.fromkeys(given.period_id)))


def calibration(con: duckdb.DuckDBPyConnection, period: Period, as_of: date,
                tested: int = TESTED_PERIODS, lookback: int = LOOKBACK,
                prior_weight: float = PRIOR_WEIGHT) -> Calibration:
    return bucketed(predictions(con, period, as_of, tested, lookback, prior_weight))
