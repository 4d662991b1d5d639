"""Velocity: time in each stage, where deals stall, stage-to-stage speed, and the four V's of
the qualified pipeline with sales velocity.

**Time in stage** (from stage_events): a visit to a stage runs from entering it to the deal's
next stage event, or to its won/lost time. A deal that goes back to a stage visits it again,
and its time in that stage is the *total* of its completed visits. Medians and quartiles are
over deals; deals of the view = first entered the stage inside the window (period view) or
whose journey started inside it (cohort view). The visit still running at the as-of date is
not part of the time spent; it shows where deals sit now: a deal is *stalled* in a stage when
its running visit is older than `stall_days`.

**Stage-to-stage velocity**: days from the first entry into a step to the first entry into
the next step of the funnel (MQL -> SRL -> ... -> Won), over journeys of the view that
reached both with dates (period: entered the later step in the window).

**The four V's** per month or fiscal quarter (team scope, as of the as-of date):
Volume = opportunities created in the period (every opportunity counts as qualified
pipeline); Value = their amount; Velocity = average days from an opportunity's creation to
its win, over deals won in the period; conVersion = win rate by count = won / (won + lost),
deals closed in the period. **Sales velocity ($/day)** = Volume x average won deal size x
win rate / average cycle days, each from the same period; blank when a part is missing.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd

from forecast import funnel, queries
from forecast.calendar import fiscal_start_month, period_containing
from forecast.funnel import Scope, Window

GRAINS = {"month": "Month", "quarter": "Fiscal quarter"}


def time_in_stage(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """One row per open stage with visits (funnel_stage_visits.sql): deals_timed, p25_days,
    median_days, p75_days, mean_days, deals_returned, open_now, median_open_days,
    stalled_count, stalled_usd."""
    funnel.ensure(con, scope)
    return queries.frame(con, "funnel_stage_visits", **funnel.team_params(scope),
                         view=window.view, start=window.start, end=window.last_day,
                         stall_days=scope.settings.stall_days)


def step_velocity(con: duckdb.DuckDBPyConnection, scope: Scope,
                  window: Window) -> pd.DataFrame:
    """Days between consecutive funnel steps (prev_key -> step), one row per transition with
    journey_count, p25_days, median_days, p75_days (0 journeys: NaN days)."""
    funnel.ensure(con, scope)
    pairs = scope.catalog[scope.catalog.is_required.astype(bool)].dropna(subset=["prev_key"])
    found = queries.frame(con, "funnel_step_velocity", **funnel.team_params(scope),
                          view=window.view, start=window.start, end=window.last_day,
                          from_keys=list(pairs.prev_key), to_keys=list(pairs.step_key))
    out = pd.DataFrame({"from_key": pairs.prev_key, "to_key": pairs.step_key})
    out = out.merge(found, on=["from_key", "to_key"], how="left")
    out["journey_count"] = out.journey_count.fillna(0).astype(int)
    out["label"] = [f"{scope.label(a)} → {scope.label(b)}"
                    for a, b in zip(out.from_key, out.to_key, strict=True)]
    return out


def trend_windows(con: duckdb.DuckDBPyConnection, window: Window, grain: str,
                  count: int) -> dict[str, tuple]:
    """The `count` months or fiscal quarters ending with the one holding the window's last
    day, oldest first."""
    if grain not in GRAINS:
        raise funnel.FunnelError(f"'{grain}' is not a grain; pick month or quarter.")
    start_month = fiscal_start_month(con)
    out = {}
    day = window.last_day
    for _ in range(count):
        if grain == "quarter":
            q = period_containing(day, "quarter", start_month)
            out[q.period_id] = (q.start_date, q.end_date)
            day = q.start_date - timedelta(days=1)
        else:
            first = day.replace(day=1)
            after = (first + timedelta(days=32)).replace(day=1)
            out[f"{first:%Y-%m}"] = (first, after - timedelta(days=1))
            day = first - timedelta(days=1)
    return dict(reversed(list(out.items())))


def _vs_frame(con: duckdb.DuckDBPyConnection, scope: Scope,
              windows: dict[str, tuple]) -> pd.DataFrame:
    """funnel_velocity_trend.sql: one row per window, in the order of `windows`."""
    funnel.ensure(con, scope)
    found = queries.frame(con, "funnel_velocity_trend", **funnel.team_params(scope),
                          window_ids=list(windows), **funnel.window_parts(windows, scope.as_of))
    order = {w: i for i, w in enumerate(windows)}
    return found.sort_values("window_id", key=lambda s: s.map(order)).reset_index(drop=True)


def four_vs(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window,
            grain: str = "quarter", count: int = 8) -> pd.DataFrame:
    """One row per month or quarter: window_id, volume, value_usd, won_count, won_usd,
    lost_count, cycle_days, avg_won_usd, win_rate, sales_velocity_usd_per_day."""
    return _vs_frame(con, scope, trend_windows(con, window, grain, count))


def current_vs(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.Series:
    """The four V's and sales velocity of the window itself."""
    return _vs_frame(con, scope, {"current": (window.start, window.last_day)}).iloc[0]


def page_vs(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, quarters: int,
            months: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """`four_vs` by quarter and by month and `current_vs`, read in one query."""
    tagged = {("q", w): v for w, v in trend_windows(con, window, "quarter", quarters).items()}
    tagged |= {("m", w): v for w, v in trend_windows(con, window, "month", months).items()}
    tagged[("c", "current")] = (window.start, window.last_day)
    found = _vs_frame(con, scope, {f"{g}|{w}": v for (g, w), v in tagged.items()})
    grain, _, found["window_id"] = found.window_id.str.partition("|").T.values
    parts = [found[grain == g].reset_index(drop=True) for g in ("q", "m", "c")]
    return parts[0], parts[1], parts[2].iloc[0]
