"""The projected landing of a team in a period, as a range, with or without a scenario's levers.

`baseline` gathers what does not depend on the levers (the team's numbers, its open deals with
their learned chances, the new-pipeline rates); `project` applies levers and simulates. The
landing of one simulation = Closed + the open deals won in it (those dated in the period, and
those dated in the next one that are pulled in) + the new deals created and won.
Commit and Best Case forecasts under a scenario: deals picked as won count as Closed, deals
picked as lost or slipped leave, and the deal-size change scales every open deal; the rate
levers change the range, not the categories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from forecast import overview
from forecast.asof import AsOf
from forecast.calendar import Period, fiscal_start_month
from forecast.whatif import WhatIfError, simulate
from forecast.whatif.learn import (
    AGE_EDGES_DAYS,
    LOOKBACK,
    PRIOR_WEIGHT,
    Learned,
    fetch,
    learn,
    next_period,
)
from forecast.whatif.levers import Levers, apply, missing_picks
from forecast.whatif.newpipe import NewPipeline, learn_new_pipeline

DEFAULT_SIMULATIONS = 10_000
QUICK_SIMULATIONS = 2_000
DEFAULT_SEED = 7


@dataclass(frozen=True)
class Baseline:
    """A team and period as of a date, before any lever: cache this, not the projection."""

    root_name: str
    period_id: str
    closed: float            # won so far in the period
    quota: float             # the team's quota (NaN if none)
    deals: pd.DataFrame      # open deals with p_close, p_win, p_won, history_deals
    learned: Learned
    new_pipeline: NewPipeline

    def notes(self) -> list[str]:
        return [self.learned.describe(), self.new_pipeline.describe()]

    @property
    def commit_forecast(self) -> float:
        return scenario_categories(apply(self.deals, Levers()), self.closed)[1]

    @property
    def best_case_forecast(self) -> float:
        return scenario_categories(apply(self.deals, Levers()), self.closed)[2]


def open_deals(con: duckdb.DuckDBPyConnection, root_id: str, period: Period,
               when: AsOf) -> pd.DataFrame:
    """The team's open deals dated in the period, and those dated in the next one
    (`is_later`), which may be pulled in."""
    later = next_period(period, fiscal_start_month(con))
    params = dict(root_id=root_id, as_of=when.effective_date, start=period.start_date,
                  end=period.end_date, later_end=later.end_date, age_edges=list(AGE_EDGES_DAYS))
    if when.snapshot_date is None:  # the live state: one scan of the deals, the same rows
        found = fetch(con, "whatif_open_deals_live", **params)
    else:
        found = fetch(con, "whatif_open_deals", snap=when.snapshot_date, **params)
    return found.assign(close_date=found.close_date.astype("datetime64[us]"))


def check_period(period: Period, when: AsOf) -> None:
    if period.end_date < when.effective_date:
        raise WhatIfError(
            f"{period.period_id} ended on {period.end_date:%Y-%m-%d}, before the as-of date "
            f"({when.effective_date:%Y-%m-%d}): its result is known, there is nothing to "
            "project. Pick a current or later period, or an earlier as-of date.")


def baseline(con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: AsOf,
             lookback: int = LOOKBACK, prior_weight: float = PRIOR_WEIGHT,
             learned_chances: Callable[[], Learned] | None = None) -> Baseline:
    """The team's numbers, open deals with learned chances, and new-pipeline rates.

    The chances are learned from the whole company's history, the same for every team:
    `learned_chances` (called only once the team has deals to project) lets a caller keep
    them per period and as-of date instead of learning them again for each team."""
    check_period(period, when)
    forecast = overview.team_forecast(con, root_id, period, when)
    deals = open_deals(con, root_id, period, when)
    if not (~deals.is_later).any():
        raise WhatIfError(
            f"{forecast.root_name}'s team has no open deals closing in {period.period_id} as "
            f"of {when.effective_date:%Y-%m-%d}: there is nothing to project.")
    learned = (learned_chances() if learned_chances is not None
               else learn(con, period, when.effective_date, lookback, prior_weight))
    new = learn_new_pipeline(con, root_id, list(learned.points), when.effective_date)
    return Baseline(forecast.root_name, period.period_id,
                    float(forecast.total.closed_amount), float(forecast.total.quota_amount),
                    learned.chances(deals), learned, new)


@dataclass(frozen=True)
class Projection:
    levers: Levers
    simulations: int
    seed: int
    totals: np.ndarray = field(repr=False)   # landing per simulation
    closed: float
    commit_forecast: float
    best_case_forecast: float
    quota: float
    expected_new: float                      # expected new pipeline won (mean)
    notes: tuple[str, ...]

    @property
    def mean(self) -> float:
        return float(self.totals.mean())

    @property
    def p10(self) -> float:
        return simulate.quantiles(self.totals)[0]

    @property
    def p50(self) -> float:
        return simulate.quantiles(self.totals)[1]

    @property
    def p90(self) -> float:
        return simulate.quantiles(self.totals)[2]

    @property
    def p_reach_quota(self) -> float:
        return simulate.share_at_least(self.totals, self.quota)

    def chance_of_reaching(self, target: float) -> float:
        return simulate.share_at_least(self.totals, target)

    def summary(self) -> dict:
        p10, p50, p90 = simulate.quantiles(self.totals)
        return {"closed": self.closed, "commit_forecast": self.commit_forecast,
                "best_case_forecast": self.best_case_forecast, "quota": self.quota,
                "expected_new_pipeline": self.expected_new, "mean": self.mean,
                "p10": p10, "p50": p50, "p90": p90, "p_reach_quota": self.p_reach_quota,
                "simulations": self.simulations, "seed": self.seed}


def scenario_categories(deals: pd.DataFrame, closed: float) -> tuple[float, float, float]:
    """(Closed, Commit forecast, Best Case forecast) of levered deals (`levers.apply`); deals
    dated after the period count only when picked as won (pulled in)."""
    # on arrays (nansum: a deal without an amount adds nothing, as in pandas): masks over a
    # company's hundred thousand deals cost ~100 ms in pandas
    amount = deals.amount.to_numpy(dtype=float)
    pick = deals.pick.to_numpy(dtype=object)
    category = deals.category.to_numpy(dtype=object)
    staying = pd.isna(pick) & ~_later(deals).to_numpy()
    closed_now = closed + float(np.nansum(amount[pick == "won"]))
    commit = closed_now + float(np.nansum(amount[staying & (category == "Commit")]))
    best = commit + float(np.nansum(amount[staying & (category == "Best Case")]))
    return closed_now, commit, best


def _later(deals: pd.DataFrame) -> pd.Series:
    if "is_later" in deals:
        return deals.is_later.astype(bool)
    return pd.Series(False, index=deals.index)


def project(base: Baseline, levers: Levers | None = None,
            simulations: int = DEFAULT_SIMULATIONS, seed: int = DEFAULT_SEED) -> Projection:
    """Simulate the landing with `levers` (None = the baseline)."""
    levers = levers or Levers()
    simulate.check_run(simulations, seed)
    deals = apply(base.deals, levers)
    lead_rng, direct_rng = simulate.new_deal_rngs(seed)
    totals = base.closed + simulate.won_open_amounts(
        deals.amount.to_numpy(), deals.p_won.to_numpy(), simulations, seed,
        swing=base.learned.swing)
    new = base.new_pipeline
    lead_factor, direct_factor = levers.new_pipeline_factors()
    size = levers.size_factor
    totals += simulate.new_deal_amounts(new.lead_rate * lead_factor, new.lead_amounts * size,
                                        simulations, lead_rng)
    totals += simulate.new_deal_amounts(new.direct_rate * direct_factor,
                                        new.direct_amounts * size, simulations, direct_rng)
    closed, commit, best = scenario_categories(deals, base.closed)
    notes = list(base.notes())
    missing = missing_picks(base.deals, levers)
    if missing:
        # counted, not named: the view may belong to someone who may not see those deals
        notes.append(f"{len(missing)} picked deal(s) are not open in this view and were left "
                     "out.")
    return Projection(levers, simulations, seed, totals, closed, commit, best, base.quota,
                      new.expected(lead_factor, direct_factor, size), tuple(notes))
