"""The deals behind every number: the deal list of a team and period, with risk flags."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from forecast import aggregates, asof, queries
from forecast.calendar import Period

RISK_FLAGS = {
    "is_overdue": ("Overdue", "Open, with a close date before the as-of date."),
    "is_pushed_3_plus": ("Pushed 3+", "The close date moved later three or more times."),
    "is_amount_cut": ("Amount cut", "The amount is below its highest value in the history."),
    "is_stalled": ("Stalled", "In its stage for more than twice the usual (median) time, "
                   "and at least 14 days."),
    "is_early_stage_commit": ("Early-stage commit",
                              "In Commit while its stage's probability is below 50 %."),
    "is_category_disagreement": ("Category differs",
                                 "The rep's category differs from the stage's default."),
}


def stage_medians(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """The usual (median) days deals spend in each stage, from the stage history to `as_of`
    (read from the stays counted once in forecast.aggregates)."""
    aggregates.ensure(con, "stage_stays")
    return queries.frame(con, "stage_medians", as_of=as_of)


def deal_list(
    con: duckdb.DuckDBPyConnection, root_id: str, period: Period, when: asof.AsOf,
    medians: pd.DataFrame | None = None, *, member_ids: list[str] | None = None,
    categories: list[str] | None = None, limit: int | None = None,
) -> pd.DataFrame:
    """The deals of the team closing in the period, as of `when`, with a `risks` column: open
    deals first, largest first. `member_ids` (direct reports, or the root for its own deals)
    and `categories` narrow it; `limit` keeps the first rows (a screen shows a thousand, a
    download all), and every row carries `deals_in_list` and `amount_in_list`, the count and
    total before the limit. `medians` (from stage_medians) can be passed in when the caller
    has it cached."""
    if medians is None:
        medians = stage_medians(con, when.effective_date)
    params = dict(
        root_id=root_id, as_of=when.effective_date, start=period.start_date,
        end=period.end_date, median_stages=medians.stage_name.tolist(),
        median_days=medians.median_days.astype(float).tolist(),
        member_ids=member_ids, categories=categories, limit=limit,
    )
    if _reads_live_facts(con, when):
        aggregates.ensure(con, "deal_facts")
        deals = queries.frame(con, "deal_list_live", **params)
    else:
        _, last_snapshot = asof.snapshot_range(con)
        whole_history = last_snapshot is not None and when.effective_date >= last_snapshot
        aggregates.ensure(con, "deal_history")
        deals = queries.frame(con, "deal_list", snap=when.snapshot_date,
                              whole_history=whole_history, **params)
    flags = deals[list(RISK_FLAGS)].fillna(False).astype(bool)
    labels = [label for label, _ in RISK_FLAGS.values()]
    # the flags as bits of one number per deal: the label text is built once per combination
    keys = (flags.to_numpy() @ (1 << np.arange(len(labels)))).tolist()
    names = {k: ", ".join(lab for i, lab in enumerate(labels) if k >> i & 1) for k in set(keys)}
    deals["risks"] = [names[k] for k in keys]
    return deals


def _reads_live_facts(con: duckdb.DuckDBPyConnection, when: asof.AsOf) -> bool:
    """Whether the deal list can be read from derived_deal_facts: the live data, with no
    stage entry after the as-of date (the facts keep the latest entry into each deal's
    stage, which is then the latest as of that date; the weekly history is all before it)."""
    if not when.is_live:
        return False
    [(latest_entry, last_snapshot)] = con.execute(
        "select (select max(entered_at)::date from stage_events), "
        "(select max(snapshot_date) from snapshots)").fetchall()
    return all(day is None or day <= when.effective_date for day in (latest_entry, last_snapshot))


def filter_deals(deals: pd.DataFrame, member_ids: list[str] | None = None,
                 categories: list[str] | None = None) -> pd.DataFrame:
    """The deals behind one cell: some members' subtrees and some categories."""
    out = deals
    if member_ids is not None:
        out = out[out.member_id.isin(member_ids)]
    if categories is not None:
        out = out[out.category.isin(categories)]
    return out
