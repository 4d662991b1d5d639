"""Everything the Funnel page shows for one team, window, view and split, read from the
funnel's derived tables (forecast.funnel: sums kept per month, owner and split value, so only
small aggregated frames come back).

The definitions are in `forecast.funnel` (journeys, steps, views, counting, value),
`forecast.funnel_leaks`, `forecast.funnel_speed` and `forecast.funnel_velocity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from forecast import funnel, funnel_leaks, funnel_speed, funnel_velocity
from forecast.funnel import FunnelSettings, Scope, Window


@dataclass(frozen=True, eq=False)
class FunnelReport:
    """Small frames, never mutated. `table` and `total` carry both countings (see
    funnel.funnel_table; `total` is summed over split values). `leaks` (per split value)
    and `team_leaks` (the whole team, split value 'All') carry both countings."""

    scope: Scope
    window: Window
    table: pd.DataFrame
    total: pd.DataFrame
    exits: pd.DataFrame
    leaks: pd.DataFrame
    team_leaks: pd.DataFrame
    flows: pd.DataFrame
    cohorts: pd.DataFrame
    speed: funnel_speed.Speed
    rep_load: pd.DataFrame
    stages: pd.DataFrame
    step_velocity: pd.DataFrame
    vs_quarters: pd.DataFrame
    vs_months: pd.DataFrame
    vs_current: pd.Series

    @property
    def is_empty(self) -> bool:
        return self.scope.catalog.empty

    def steps(self, counting: str, split: bool = False) -> pd.DataFrame:
        """The funnel in one counting: per split value when `split`, else the total."""
        return funnel.choose(self.table if split else self.total, counting)

    def leak_total(self, counting: str, reference: str) -> float:
        """Value lost over every transition of the whole team (no split)."""
        column = ("leak_vs_benchmark_usd" if reference == "benchmark" else "leak_vs_past_usd")
        rows = self.team_leaks[self.team_leaks.counting == counting]
        return float(rows[column].fillna(0).sum())


def build(
    con: duckdb.DuckDBPyConnection, root_id: str, window: Window,
    dimension: str | None = None, settings: FunnelSettings | None = None,
    quarters: int = 8, months: int = 12,
) -> FunnelReport:
    """Describe the scope once and compute every frame of the page."""
    scope = funnel.prepare(con, root_id, window.as_of, dimension, settings)
    past = funnel_leaks.past_quarters(con, window, scope.settings.past_quarters)
    windows = {"current": (window.start, window.last_day), **past}
    counts = funnel.step_counts(con, scope, window.view, windows)
    down = funnel_leaks.downstream(con, scope)
    table = funnel.funnel_table(counts, scope, "current")
    leaks = funnel_leaks.both_countings(counts, down, scope, list(past))
    # without a split the whole team's leaks are the split's one value ('All')
    team = leaks if dimension is None else funnel_leaks.both_countings(
        counts, down, scope, list(past), whole_team=True)
    vs_quarters, vs_months, vs_current = funnel_velocity.page_vs(con, scope, window, quarters,
                                                                 months)
    return FunnelReport(
        scope=scope, window=window, table=table, total=funnel.totals(table, scope),
        exits=funnel.exit_table(counts, "current"), leaks=leaks, team_leaks=team,
        flows=funnel.flows(con, scope, window),
        cohorts=funnel.cohort_grid(con, scope, window.last_day),
        speed=funnel_speed.speed(con, scope, window),
        rep_load=funnel_speed.rep_load(con, scope),
        stages=funnel_velocity.time_in_stage(con, scope, window),
        step_velocity=funnel_velocity.step_velocity(con, scope, window),
        vs_quarters=vs_quarters, vs_months=vs_months, vs_current=vs_current,
    )

