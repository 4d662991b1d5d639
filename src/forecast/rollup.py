"""The call ladder: at every node of the hierarchy, what the system says, what the person
called, what their manager changed, and what rolls up.

For each person X, period and as-of moment (commit and best case alike):
- system: every deal owned in X's subtree, no judgement (cumulative forecasts);
- rolled up: X's own deals plus the effective numbers of X's direct reports, i.e. what reaches
  X "as submitted" from below;
- own call: X's latest submission (carried forward, stale when older than the call week);
- adjustment: the latest change to X's call by X's manager of the as-of date;
- effective: the adjustment if any, else the own call if any, else the rolled-up number.
  It is what X contributes to the manager's rolled-up number.
Reporting lines and quotas are those of the as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from forecast import aggregates, calls, queries
from forecast.asof import AsOf
from forecast.calendar import Period
from forecast.hierarchy import TeamError
from forecast.overview import add_forecast_columns

KINDS = ("commit", "best_case")


@dataclass(frozen=True)
class Ladder:
    root_id: str
    period: Period
    as_of: AsOf
    moment: datetime
    nodes: pd.DataFrame  # one row per person in the subtree, ordered as the tree (by path)

    def node(self, person_id: str) -> pd.Series:
        return self.nodes.set_index("person_id").loc[person_id]


AMOUNTS = ["closed_amount", "commit_amount", "best_case_amount", "pipeline_amount",
           "weighted_open_amount"]


def _manager_rows(nodes: pd.DataFrame) -> np.ndarray:
    """Each row's manager's row in `nodes`, -1 for the root (its manager is outside)."""
    return pd.Index(nodes.person_id).get_indexer(nodes.manager_id)


def _to_managers(values: np.ndarray, manager: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The sum of `values` at `rows` per manager row (zero where nobody reports)."""
    out = np.zeros(len(manager), dtype=float) if values.ndim == 1 else np.zeros(
        (len(manager), values.shape[1]))
    np.add.at(out, manager[rows], values[rows])
    return out


def _subtree_totals(values: np.ndarray, manager: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Each row's value plus the values of everyone below it: each level, deepest first,
    adds its (already complete) totals into its managers'."""
    total = values.astype(float)
    for level in range(depth.max(), depth.min(), -1):
        total += _to_managers(total, manager, np.flatnonzero(depth == level))
    return total


def _subtree_sums(nodes: pd.DataFrame, manager: np.ndarray) -> pd.DataFrame:
    """Each person's own-deal sums added up over their subtree; own_* keep their own."""
    depth = nodes.depth.to_numpy()
    own = nodes[AMOUNTS].to_numpy(float)
    out = nodes.assign(own_closed=own[:, 0], own_commit=own[:, 1], own_best_case=own[:, 2])
    out[AMOUNTS] = _subtree_totals(own, manager, depth)
    return out


def _team_sizes(nodes: pd.DataFrame, manager: np.ndarray) -> np.ndarray:
    """How many people each subtree holds, the person included."""
    return _subtree_totals(np.ones(len(nodes)), manager, nodes.depth.to_numpy()).astype(int)


def _effective(nodes: pd.DataFrame, manager: np.ndarray) -> pd.DataFrame:
    """Fill rolled-up and effective numbers bottom-up, one level of the tree at a time."""
    out = nodes.copy()
    depth = out.depth.to_numpy()
    for kind in KINDS:
        # the person's own deals' cumulative forecast (the nodes carry own-deal sums here)
        own = (out.own_closed + out.own_commit + (
            out.own_best_case if kind == "best_case" else 0)).to_numpy(float)
        judged = out[f"adj_{kind}"].fillna(out[f"call_{kind}"]).to_numpy(float)
        rolled, effective = own.copy(), np.full(len(out), np.nan)
        for level in range(depth.max(), depth.min() - 1, -1):
            rows = np.flatnonzero(depth == level)
            effective[rows] = np.where(np.isnan(judged[rows]), rolled[rows], judged[rows])
            if level > depth.min():
                rolled += _to_managers(effective, manager, rows)
        out[f"own_deals_{kind}"] = own
        out[f"rolled_up_{kind}"] = rolled
        out[f"effective_{kind}"] = effective
    return out.drop(columns=["own_closed", "own_commit", "own_best_case"])


def _quota_below(nodes: pd.DataFrame, manager: np.ndarray) -> np.ndarray:
    """The sum of the direct reports' quotas (NaN when none of them has one)."""
    quota = nodes.quota_amount.to_numpy(float)
    has = np.flatnonzero(~np.isnan(quota) & (manager >= 0))
    count = np.bincount(manager[has], minlength=len(nodes))
    total = np.bincount(manager[has], weights=quota[has], minlength=len(nodes))
    return np.where(count > 0, total, np.nan)


def call_ladder(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: AsOf, moment: datetime
) -> Ladder:
    """The ladder for `root_id`'s subtree; `moment` picks the calls and adjustments standing.
    One query reads the people, their own deals' sums, calls and adjustments (ladder_nodes);
    the sums up the tree are array arithmetic on the manager of each row."""
    aggregates.ensure(con)
    found = queries.frame(
        con, "ladder_nodes", root_id=root_id, as_of=when.effective_date,
        snap=when.snapshot_date, start=period.start_date, end=period.end_date,
        period_id=period.period_id, at=moment,
        stale_before=calls.week_start(when.requested, calls.lock_of(con)))
    if found.empty:
        raise TeamError(f"'{root_id}' is not an active person in the hierarchy on "
                        f"{when.effective_date:%Y-%m-%d}.")
    manager = _manager_rows(found)
    found.insert(found.columns.get_loc("quota_amount") + 1, "tree_order", range(len(found)))
    nodes = _effective(_subtree_sums(found, manager), manager)
    nodes["quota_below"] = _quota_below(nodes, manager)
    nodes["team_size"] = _team_sizes(nodes, manager)
    nodes = add_forecast_columns(nodes)
    nodes["gap_to_quota_effective"] = nodes.quota_amount - nodes.effective_commit
    return Ladder(root_id, period, when, moment, nodes.reset_index(drop=True))


def ladder_view(ladder: Ladder, measure: str = "commit", levels: int = 99) -> pd.DataFrame:
    """The ladder as a table for the page and exports: the root and `levels` levels below,
    for one measure ('commit' or 'best_case'), with the change made at each hop."""
    if measure not in KINDS:
        raise ValueError(f"measure is one of {KINDS}")
    n = ladder.nodes
    top = int(n.depth.min())
    shown = n[n.depth <= top + levels]
    system = "commit_forecast" if measure == "commit" else "best_case_forecast"
    call, adj = shown[f"call_{measure}"], shown[f"adj_{measure}"]
    rolled, effective = shown[f"rolled_up_{measure}"], shown[f"effective_{measure}"]
    return pd.DataFrame({
        "person_id": shown.person_id,
        "person": ["  " * (d - top) + name for d, name in zip(shown.depth, shown.name,
                                                              strict=True)],
        "level": shown.depth - top,
        "team_size": shown.team_size,
        "system": shown[system],
        "rolled_up": rolled,
        "own_call": call,
        "call_is_stale": shown.call_is_stale.astype("boolean"),
        "call_note": shown.call_note,
        "change_by_own_call": call - rolled,
        "manager_adjustment": adj,
        "previous_adjustment": shown[f"adj_prev_{measure}"],
        "change_by_manager": adj - call.fillna(rolled),
        "adjustment_note": shown.adj_note,
        "effective": effective,
        "quota": shown.quota_amount,
        "quota_below": shown.quota_below,
        "attainment": shown.attainment,
        "gap_to_quota": shown.quota_amount - effective,
        "coverage": shown.coverage,
        "open_pipeline": shown.open_pipeline,
    }).reset_index(drop=True)
