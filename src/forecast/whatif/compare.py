"""Scenarios side by side: the baseline, each scenario and the team's submitted call.

Every scenario is simulated with the same seed and number of simulations, so they share their
random draws and differ only by their levers. The call row has the call's commit and best case
and no range; every simulated row gives its chance of landing at least the call's commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from forecast import calls, formatting
from forecast.asof import AsOf
from forecast.calendar import Period
from forecast.whatif import scenarios
from forecast.whatif.levers import Levers
from forecast.whatif.projection import Baseline, Projection, baseline, project

BASELINE = "Baseline"
CALL = "Submitted call"
COLUMNS = ["scenario", "version", "levers", "closed", "commit_forecast", "best_case_forecast",
           "quota", "expected_new_pipeline", "mean", "p10", "p50", "p90", "p_reach_quota",
           "p_reach_call", "simulations", "seed"]


@dataclass(frozen=True)
class Call:
    commit: float
    best_case: float
    submitted_at: object  # when it was made


def _row(name: str, version: int | None, run: Projection, call: Call | None) -> dict:
    return {"scenario": name, "version": version, "levers": run.levers.describe(),
            **run.summary(),
            "expected_new_pipeline": run.expected_new,
            "p_reach_call": run.chance_of_reaching(call.commit) if call else float("nan")}


def comparison(base: Baseline, scenarios: list[tuple[str, int | None, Levers]],
               call: Call | None, simulations: int, seed: int) -> pd.DataFrame:
    """One row for the baseline, one per (name, version, levers), and one for the call."""
    rows = [_row(BASELINE, None, project(base, None, simulations, seed), call)]
    rows += [_row(name, version, project(base, levers, simulations, seed), call)
             for name, version, levers in scenarios]
    if call is not None:
        rows.append({"scenario": CALL, "levers": f"submitted {call.submitted_at:%Y-%m-%d %H:%M}",
                     "closed": base.closed, "commit_forecast": call.commit,
                     "best_case_forecast": call.best_case, "quota": base.quota})
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    # whole numbers, also beside the rows that have none (not 1.0 in a csv)
    return out.astype({"version": "Int64", "simulations": "Int64", "seed": "Int64"})


def standing_call(con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: AsOf,
                  now: datetime) -> Call | None:
    """The team lead's call for the period standing at the as-of date (now, for live data)."""
    moment = calls.review_moment(when.requested, calls.lock_of(con), now, when.is_live)
    found = calls.calls_at(con, [root_id], period.period_id, moment, moment)
    if found.empty:
        return None
    row = found.iloc[0]
    return Call(float(row.commit_amount), float(row.best_case_amount), row.submitted_at)


def scenario_table(con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: AsOf,
                   names: list[str], simulations: int, seed: int,
                   now: datetime) -> tuple[pd.DataFrame, list[str]]:
    """The comparison of saved scenarios `names` (latest versions) for the command line, and
    the notes on what the chances were learned from."""
    base = baseline(con, root_id, period, when)
    chosen = [scenarios.load(con, name) for name in names]
    table = comparison(base, [(s.name, s.version, s.levers) for s in chosen],
                       standing_call(con, root_id, period, when, now), simulations, seed)
    return table, base.notes()


_LABELS = {"levers": "Levers", "closed": "Closed", "commit_forecast": "Commit forecast",
           "best_case_forecast": "Best Case forecast", "quota": "Quota",
           "expected_new_pipeline": "New pipeline won (expected)", "mean": "Mean landing",
           "p10": "P10", "p50": "P50", "p90": "P90", "p_reach_quota": "P(reach quota)",
           "p_reach_call": "P(reach the call)"}


def as_text(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison turned on its side (one column per scenario), numbers as text."""
    shown = pd.DataFrame(index=list(_LABELS.values()))
    for row in table.itertuples(index=False):
        name = row.scenario if pd.isna(row.version) else f"{row.scenario} v{int(row.version)}"
        shown[name] = [_text(column, getattr(row, column)) for column in _LABELS]
    return shown


def _text(column: str, value) -> str:
    if column == "levers":
        return str(value)
    if column.startswith("p_reach"):
        return formatting.percent(value)
    return formatting.currency_exact(value)
