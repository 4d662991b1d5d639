"""Speed to lead and follow-up: response times, SLA compliance, rep load, no-shows, untouched
leads.

**Who is measured.** Leads that reached MQL: in the period view those whose MQL time falls
in the window, in the cohort view those created in it. Response time = minutes from the MQL
time to the first response (`first_response_minutes`, else the two timestamps).

**SLA.** Within the target = answered after at most `sla_target_minutes` (30 by default);
within the maximum = at most `sla_max_minutes` (one day = 1440). **Boundaries are inclusive**:
a response after exactly 30 minutes is within the target, after exactly 1440 within the
maximum. Compliance = leads within / leads *due*, where a lead is due once it was answered
or its deadline passed by the as-of date: a lead whose clock is still running is not yet a
miss, and an unanswered lead whose deadline passed is. "Within 5 minutes" works the same with
`fast_minutes`.

**Buckets.** Within `fast_minutes`; over it and within the target; over the target and
within the maximum; over the maximum; not answered (by the as-of date). Conversion by bucket =
share of the bucket's leads that reached the next funnel step after MQL (SRL, or whichever
step comes next in this data) by the as-of date.

**Rep load** (as of the as-of date, whatever the window): open leads per owner (created,
neither disqualified nor turned into an opportunity), their age in days since creation,
how many are older than `lead_age_days`, and whether the owner holds more than `lead_cap`.
**Untouched** = an open lead that reached MQL with no response and no recorded touch.
**No-shows** = leads of the view whose booked demo (booked by the as-of date) was marked
no-show; rate = no-shows / demos booked.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from forecast import funnel, queries
from forecast.funnel import NAN, Scope, Window

BUCKET_KEYS = {1: "fast", 2: "target", 3: "max", 4: "late", 5: "none"}


def bucket_labels(settings: funnel.FunnelSettings) -> dict[int, str]:
    fast, target, most = (settings.fast_minutes, settings.sla_target_minutes,
                          settings.sla_max_minutes)
    return {1: f"≤ {minutes_text(fast)}", 2: f"{minutes_text(fast)} – {minutes_text(target)}",
            3: f"{minutes_text(target)} – {minutes_text(most)}", 4: f"> {minutes_text(most)}",
            5: "Not answered"}


def minutes_text(value: float) -> str:
    """'5 min', '2 h', '1 day': a minutes setting as people say it."""
    if value >= 1440 and value % 1440 == 0:
        days = int(value // 1440)
        return f"{days} day{'s' if days > 1 else ''}"
    if value >= 60 and value % 60 == 0:
        return f"{int(value // 60)} h"
    return f"{value:g} min"


@dataclass(frozen=True, eq=False)
class Speed:
    """summary: one row per split value (plus 'All' first when split): leads, answered,
    share_fast, sla_target_rate, sla_max_rate, median_minutes, demos, no_shows, no_show_rate,
    conv_next. buckets: one row per split value and bucket (all five present): bucket_order,
    bucket, leads, share (of the split value's leads), conv_next, conv_won, median_minutes.
    next_key: the step conversion is measured to (None = no later step)."""

    summary: pd.DataFrame
    buckets: pd.DataFrame
    next_key: str | None

    @property
    def total(self) -> pd.Series:
        return self.summary.iloc[0]


def next_step_after_mql(scope: Scope) -> str | None:
    keys = list(scope.catalog.step_key)
    if "mql" not in keys or keys.index("mql") + 1 >= len(keys):
        return None
    return keys[keys.index("mql") + 1]


def _summary(rows: pd.DataFrame) -> pd.DataFrame:
    r = funnel._ratio
    return pd.DataFrame({
        "split_value": rows.split_value.fillna("All"),
        "leads": rows.lead_count, "answered": rows.answered_count,
        "share_fast": r(rows.fast_count, rows.due_fast_count),
        "sla_target_rate": r(rows.within_target_count, rows.due_target_count),
        "sla_max_rate": r(rows.within_max_count, rows.due_max_count),
        "median_minutes": rows.median_minutes,
        "demos": rows.demo_count, "no_shows": rows.no_show_count,
        "no_show_rate": r(rows.no_show_count, rows.demo_count),
        "conv_next": r(rows.reached_next_count, rows.lead_count),
    }).reset_index(drop=True)


def speed(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> Speed:
    """Speed to lead of the view's MQLs (funnel_speed.sql), shaped for the page."""
    funnel.ensure(con, scope)
    s = scope.settings
    next_key = next_step_after_mql(scope)
    raw = queries.frame(
        con, "funnel_speed", **funnel.scope_params(scope), as_of_date=scope.as_of,
        view=window.view, start=window.start, end=window.last_day, fast_minutes=s.fast_minutes,
        target_minutes=s.sla_target_minutes, max_minutes=s.sla_max_minutes,
        next_key=next_key or "")
    if raw.empty:  # no MQL at all: the grand-total row of an empty grouping
        raw = pd.DataFrame([{c: 0 for c in raw.columns} | {
            "split_value": None, "bucket_order": None, "median_minutes": float("nan")}])
    totals = raw[raw.bucket_order.isna()]
    grand = totals[totals.split_value.isna()]
    per_split = totals[totals.split_value.notna()]
    show = grand if per_split.split_value.nunique() <= 1 else pd.concat([grand, per_split])
    return Speed(_summary(show), _buckets(raw, s), next_key)


def _buckets(raw: pd.DataFrame, settings: funnel.FunnelSettings) -> pd.DataFrame:
    """Every split value x bucket (a few dozen rows, worked in plain Python)."""
    parts = raw[raw.bucket_order.notna()]
    labels = bucket_labels(settings)
    columns = ["split_value", "bucket_order", "lead_count", "reached_next_count",
               "reached_won_count", "median_minutes"]
    found = {(split, int(order)): rest
             for split, order, *rest in zip(*(parts[c].tolist() for c in columns), strict=True)}
    rows = []
    for split in sorted(set(parts.split_value.dropna())) or ["All"]:
        got = {order: found.get((split, order), (0, 0, 0, NAN)) for order in labels}
        total = sum(leads for leads, *_ in got.values())
        rows += [(split, order, labels[order], leads, funnel._div(leads, total),
                  funnel._div(to_next, leads), funnel._div(won, leads), median)
                 for order, (leads, to_next, won, median) in got.items()]
    return pd.DataFrame(rows, columns=["split_value", "bucket_order", "bucket", "leads", "share",
                                       "conv_next", "conv_won", "median_minutes"])


def rep_load(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    """Open leads per owner as of the as-of date (funnel_rep_load.sql): owner_id,
    owner_name, open_leads, old_leads, median_age_days, oldest_age_days, untouched_leads,
    is_over_cap."""
    funnel.ensure(con, scope)
    s = scope.settings
    return queries.frame(con, "funnel_rep_load", **funnel.team_params(scope),
                         age_days=s.lead_age_days, lead_cap=s.lead_cap)


LEAD_RECORD_KINDS = ("bucket", "no_show", "untouched", "open")


def lead_records(
    con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, kind: str, *,
    bucket_order: int | None = None, owner_id: str | None = None,
    split_value: str | None = None, limit: int = 5000,
) -> pd.DataFrame:
    """The leads behind a speed or follow-up number (funnel_lead_records.sql)."""
    if kind not in LEAD_RECORD_KINDS:
        raise funnel.FunnelError(f"'{kind}' is not a kind of lead list.")
    funnel.ensure(con, scope)
    s = scope.settings
    return queries.frame(
        con, "funnel_lead_records", **funnel.scope_params(scope), as_of_date=scope.as_of,
        view=window.view, start=window.start, end=window.last_day, kind=kind,
        bucket_order=bucket_order, owner_id=owner_id, split_value=split_value,
        fast_minutes=s.fast_minutes,
        target_minutes=s.sla_target_minutes, max_minutes=s.sla_max_minutes, limit=limit)
