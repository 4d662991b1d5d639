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


def _subtree_sums(nodes: pd.DataFrame) -> pd.DataFrame:
    """Each person's own-deal sums added up over their subtree (via the path column)."""
    amounts = ["closed_amount", "commit_amount", "best_case_amount", "pipeline_amount",
               "weighted_open_amount"]
    pairs = nodes[["path", *amounts]].explode("path").rename(columns={"path": "person_id"})
    sums = pairs.groupby("person_id")[amounts].sum()
    own = nodes[["person_id", "closed_amount", "commit_amount", "best_case_amount"]].rename(
        columns={"closed_amount": "own_closed", "commit_amount": "own_commit",
                 "best_case_amount": "own_best_case"})
    keep = ["person_id", "manager_id", "depth", "path", "name", "title", "quota_amount",
            "tree_order"]
    return nodes[keep].join(sums, on="person_id").merge(own, on="person_id")


def _latest_adjustments(adj: pd.DataFrame, managers: dict[str, str | None]) -> pd.DataFrame:
    """Per person: the latest adjustment by their current manager, and the one before it.
    `adj` comes ordered by person and time (adjustments_at.sql)."""
    mine = adj[adj.manager_id == adj.person_id.map(managers)]
    if mine.empty:
        return pd.DataFrame(columns=["person_id"])
    last = mine.groupby("person_id", sort=True).tail(1).set_index("person_id")
    prev = mine.groupby("person_id").nth(-2).set_index("person_id")
    return pd.DataFrame({
        "adj_commit": last.commit_amount, "adj_best_case": last.best_case_amount,
        "adj_note": last.note, "adj_at": last.adjusted_at, "adj_by": last.manager_id,
        "adj_prev_commit": prev.commit_amount.reindex(last.index),
        "adj_prev_best_case": prev.best_case_amount.reindex(last.index),
    }).rename_axis("person_id").reset_index()


def _effective(nodes: pd.DataFrame) -> pd.DataFrame:
    """Fill rolled-up and effective numbers bottom-up, one level of the tree at a time."""
    out = nodes.set_index("person_id")
    for kind in KINDS:
        # the person's own deals' cumulative forecast (the nodes carry own-deal sums here)
        own = out["own_closed"] + out["own_commit"] + (
            out["own_best_case"] if kind == "best_case" else 0)
        out[f"own_deals_{kind}"] = own
        rolled = pd.Series(np.nan, index=out.index)
        effective = pd.Series(np.nan, index=out.index)
        for depth in sorted(out.depth.unique(), reverse=True):
            level = out.index[out.depth == depth]
            below = out.index[out.depth == depth + 1]
            from_reports = effective[below].groupby(out.manager_id[below]).sum()
            rolled[level] = own[level] + from_reports.reindex(level, fill_value=0.0)
            effective[level] = (out[f"adj_{kind}"][level]
                                .fillna(out[f"call_{kind}"][level]).fillna(rolled[level]))
        out[f"rolled_up_{kind}"] = rolled
        out[f"effective_{kind}"] = effective
    return out.drop(columns=["own_closed", "own_commit", "own_best_case"]).reset_index()


def _with_calls(con, nodes: pd.DataFrame, period: Period, when: AsOf, moment: datetime,
                lock) -> pd.DataFrame:
    ids = nodes.person_id.tolist()
    stale_before = calls.week_start(when.requested, lock)
    found = calls.calls_at(con, ids, period.period_id, moment, stale_before).rename(columns={
        "commit_amount": "call_commit", "best_case_amount": "call_best_case",
        "note": "call_note", "submitted_at": "call_at", "is_stale": "call_is_stale"})
    adj = queries.frame(con, "adjustments_at", people=ids, period_id=period.period_id, at=moment)
    managers = dict(zip(nodes.person_id, nodes.manager_id, strict=True))
    out = nodes.merge(found[["person_id", "call_commit", "call_best_case", "call_note",
                             "call_at", "call_is_stale"]], on="person_id", how="left")
    out = out.merge(_latest_adjustments(adj, managers), on="person_id", how="left")
    for column in ["adj_commit", "adj_best_case", "adj_prev_commit", "adj_prev_best_case",
                   "adj_note", "adj_at", "adj_by"]:
        if column not in out:
            out[column] = np.nan
    return out


def call_ladder(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: AsOf, moment: datetime
) -> Ladder:
    """The ladder for `root_id`'s subtree; `moment` picks the calls and adjustments standing."""
    aggregates.ensure(con)
    own = queries.frame(
        con, "rollup_nodes", root_id=root_id, as_of=when.effective_date,
        snap=when.snapshot_date, start=period.start_date, end=period.end_date,
        period_id=period.period_id)
    if own.empty:
        raise TeamError(f"'{root_id}' is not an active person in the hierarchy on "
                        f"{when.effective_date:%Y-%m-%d}.")
    nodes = _subtree_sums(own.assign(tree_order=range(len(own))))
    nodes = _with_calls(con, nodes, period, when, moment, calls.lock_of(con))
    nodes = _effective(nodes)
    quota_below = nodes.groupby("manager_id").quota_amount.sum(min_count=1)
    nodes["quota_below"] = nodes.person_id.map(quota_below)
    nodes["team_size"] = nodes.person_id.map(
        nodes.explode("path").groupby("path").size()).astype(int)
    nodes = add_forecast_columns(nodes)
    nodes["gap_to_quota_effective"] = nodes.quota_amount - nodes.effective_commit
    ordered = nodes.sort_values("tree_order").reset_index(drop=True)
    return Ladder(root_id, period, when, moment, ordered)


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
