"""New pipeline: deals not yet created that will be created and won inside the period.

Learned from the team's past: at the same point of each past period, how many deals the
team's people (those in the team on the as-of date) then created that were won before that
period ended, and for how much. The simulation draws the number of such deals from a Poisson
distribution with the past mean, and each one's amount from the past ones (with replacement),
separately for deals that came from a marketing lead (MQL) and the others, so that the lead
levers move only the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from forecast.whatif.learn import Point, fetch, point_params


@dataclass(frozen=True)
class NewPipeline:
    periods: int                   # past periods it is learned from
    lead_amounts: np.ndarray       # amounts of past new-and-won deals from a lead
    direct_amounts: np.ndarray     # ... and of the others

    @property
    def lead_rate(self) -> float:
        """Mean number of new-and-won deals from a lead per period."""
        return len(self.lead_amounts) / self.periods if self.periods else 0.0

    @property
    def direct_rate(self) -> float:
        return len(self.direct_amounts) / self.periods if self.periods else 0.0

    def expected(self, lead_factor: float = 1.0, direct_factor: float = 1.0,
                 size_factor: float = 1.0) -> float:
        """Expected amount created and won in the period, with the lever factors applied."""
        if not self.periods:
            return 0.0
        lead = self.lead_amounts.sum() * lead_factor
        direct = self.direct_amounts.sum() * direct_factor
        return float((lead + direct) * size_factor / self.periods)

    def describe(self) -> str:
        if not self.periods:
            return "No past period to learn creation rates from: no new pipeline is added."
        return (f"New pipeline: in each of the last {self.periods} periods the team created "
                f"and won {self.lead_rate + self.direct_rate:.1f} deals on average after this "
                f"point ({self.lead_rate:.1f} of them from a marketing lead).")


def new_won_sample(con: duckdb.DuckDBPyConnection, root_id: str, points: list[Point],
                   team_date: date) -> pd.DataFrame:
    """The team's deals created after each point and won inside that point's period."""
    return fetch(con, "whatif_new_won", root_id=root_id, as_of=team_date,
                 **point_params(points))


def from_sample(rows: pd.DataFrame, periods: int) -> NewPipeline:
    lead = rows.is_lead_sourced.astype(bool).to_numpy()
    amounts = rows.amount.astype(float).to_numpy()
    return NewPipeline(periods, amounts[lead], amounts[~lead])


def learn_new_pipeline(con: duckdb.DuckDBPyConnection, root_id: str, points: list[Point],
                       team_date: date) -> NewPipeline:
    """New-pipeline rates of `root_id`'s team (its people on `team_date`) at `points`."""
    if not points:
        return NewPipeline(0, np.zeros(0), np.zeros(0))
    return from_sample(new_won_sample(con, root_id, points, team_date), len(points))
