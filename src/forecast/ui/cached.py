"""Cached reads for the pages. Keys are small values (ids, dates), never DataFrames.

Every read that takes a team is `auth.scoped`: a team outside the viewer's subtree is refused
before the cache is looked at, so no cached result reaches a viewer it does not belong to."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from forecast import (
    accuracy,
    asof,
    calls,
    charts,
    deals,
    hierarchy,
    movement,
    movement_charts,
    overview,
    quality,
    rollup,
)
from forecast.calendar import Period, fiscal_start_month, parse_period
from forecast.ui import auth, store
from forecast.ui.store import cached_read, cursor

CACHE = dict(max_entries=64, ttl=3600, show_spinner=False)


@cached_read(**CACHE)
def data_date() -> date:
    with cursor() as cur:
        return asof.data_date(cur)


@cached_read(**CACHE)
def first_snapshot() -> date | None:
    with cursor() as cur:
        return asof.snapshot_range(cur)[0]


@cached_read(**CACHE)
def people(as_of_date: date) -> pd.DataFrame:
    with cursor() as cur:
        return hierarchy.people_as_of(cur, as_of_date)


@cached_read(**CACHE)
def person_names(as_of_date: date) -> dict[str, str]:
    """person_id -> name of everyone active on the date, in the pickers' order: what the
    sidebar reads on every run (a dict comes out of the cache in a fraction of the time the
    people frame takes, ~10 ms at 2,000 people)."""
    found = people(as_of_date)
    return dict(zip(found.person_id, found["name"], strict=True))


@cached_read(**CACHE)
def team_labels(as_of_date: date) -> dict[str, str]:
    """Picker labels: indented by depth, with title and team size."""
    return hierarchy.labels(people(as_of_date))


@cached_read(**CACHE)
def fiscal_start() -> int:
    with cursor() as cur:
        return fiscal_start_month(cur)


@cached_read(max_entries=256, ttl=3600, show_spinner=False)
def period(period_id: str) -> Period:
    return parse_period(period_id, fiscal_start())


@cached_read(**CACHE)
def period_labels() -> dict[str, str]:
    """The period picker's label of every period, read as one value: a cached read per
    period costs a few milliseconds each, and the calendar has over a hundred."""
    start = fiscal_start()
    return {pid: _period_label(parse_period(pid, start)) for pid in period_ids()}


def _period_label(p: Period) -> str:
    return f"{p.period_id}  ({p.start_date:%d %b %Y} – {p.end_date:%d %b %Y})"


@cached_read(**CACHE)
def period_ids() -> list[str]:
    with cursor() as cur:
        found = cur.execute(
            "select period_id from fiscal_periods order by start_date, period_type desc"
        ).fetchall()
    return [row[0] for row in found]


@cached_read(**CACHE)
def resolve(as_of_date: date) -> asof.AsOf:
    """The as-of point of a date: every read below resolves its date here (the sidebar has
    already, so it is a cache hit, where asking the store costs 1-3 ms a read)."""
    with cursor() as cur:
        return asof.resolve_as_of(cur, as_of_date)


def _resolve_pair(t0_date: date, t1_date: date) -> tuple[asof.AsOf, asof.AsOf]:
    """movement.resolve_pair, from the cached points."""
    try:
        return resolve(t0_date), resolve(t1_date)
    except asof.AsOfError as exc:
        raise movement.MovementError(str(exc)) from exc


@auth.scoped()
@cached_read(**CACHE)
def team_forecast(root_id: str, period_id: str, as_of_date: date) -> overview.TeamForecast:
    when = resolve(as_of_date)
    with cursor() as cur:
        return overview.team_forecast(cur, root_id, period(period_id), when)


@auth.scoped()
@cached_read(**CACHE)
def forecast_and_comparison(root_id: str, period_id: str, as_of_date: date
                            ) -> tuple[overview.TeamForecast, overview.TeamForecast | None]:
    """The team's forecast and, read with it in one query, its forecast at What moved's
    default comparison point (None without a snapshot before the week, or when the root was
    not in the hierarchy then): the Forecast review needs both on every change of team or
    period. The other pages read team_forecast alone."""
    when = resolve(as_of_date)
    try:
        then = resolve(default_comparison(as_of_date))
    except (movement.MovementError, asof.AsOfError):
        then = None
    with cursor() as cur:
        if then is None:
            return overview.team_forecast(cur, root_id, period(period_id), when), None
        return overview.team_forecast_pair(cur, root_id, period(period_id), when, then)


def team_forecast_read(with_comparison: bool):
    """team_forecast, or the first of forecast_and_comparison (the same numbers, read with
    the comparison point's: what the review reads, so its charts and bridge share it)."""
    if with_comparison:
        return lambda *key: forecast_and_comparison(*key)[0]
    return team_forecast


@auth.scoped()
@cached_read(**CACHE)
def weekly_trend(root_id: str, period_id: str, as_of_date: date) -> pd.DataFrame:
    when = resolve(as_of_date)
    with cursor() as cur:
        return overview.weekly_trend(cur, root_id, period(period_id), when)


@cached_read(**CACHE)
def table_counts() -> pd.DataFrame:
    with cursor() as cur:
        return quality.table_counts(cur)


@cached_read(**CACHE)
def quality_report(as_of_date: date) -> pd.DataFrame:
    with cursor() as cur:
        return quality.checks(cur, as_of_date)


@cached_read(**CACHE)
def import_log() -> pd.DataFrame:
    with cursor() as cur:
        return quality.import_log(cur)


@cached_read(**CACHE)
def rejected_rows(import_id: str) -> pd.DataFrame:
    with cursor() as cur:
        return quality.rejected_rows(cur, import_id)


DEAL_LIMIT = 1000  # deals a screen lists; the downloads hold every deal


def _deal_list(root_id: str, period_id: str, as_of_date: date, member_id: str | None,
               categories: tuple[str, ...] | None, limit: int | None) -> pd.DataFrame:
    when = resolve(as_of_date)
    with cursor() as cur:
        return deals.deal_list(cur, root_id, period(period_id), when,
                               stage_medians(when.effective_date),
                               member_ids=None if member_id is None else [member_id],
                               categories=None if categories is None else list(categories),
                               limit=limit)


@auth.scoped()
@cached_read(**CACHE)
def deal_list(root_id: str, period_id: str, as_of_date: date, member_id: str | None = None,
              categories: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The first DEAL_LIMIT deals (open first, largest first) of the team, or of one member
    and some categories; deals_in_list and amount_in_list count the whole list."""
    return _deal_list(root_id, period_id, as_of_date, member_id, categories, DEAL_LIMIT)


@auth.scoped()
def deal_list_all(root_id: str, period_id: str, as_of_date: date,
                  member_id: str | None = None,
                  categories: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every deal of that list, for a download (read when it is clicked, never cached)."""
    return _deal_list(root_id, period_id, as_of_date, member_id, categories, None)


@cached_read(**CACHE)
def stage_medians(as_of_date: date) -> pd.DataFrame:
    with cursor() as cur:
        return deals.stage_medians(cur, as_of_date)


@auth.scoped()
@cached_read(**CACHE)
def ladder(root_id: str, period_id: str, as_of_date: date, moment: datetime) -> rollup.Ladder:
    when = resolve(as_of_date)
    with cursor() as cur:
        return rollup.call_ladder(cur, root_id, period(period_id), when, moment)


@auth.scoped()
@cached_read(**CACHE)
def period_comparison(root_id: str, period_id: str, as_of_date: date,
                      earlier_ids: tuple[str, ...]) -> pd.DataFrame:
    when = resolve(as_of_date)
    with cursor() as cur:
        return overview.same_point_of_earlier_periods(
            cur, root_id, period(period_id), when, [period(p) for p in earlier_ids])


@auth.scoped(None)
@cached_read(**CACHE)
def caller_scores(root_id: str, period_ids: tuple[str, ...]) -> pd.DataFrame:
    """Every week's calls of those periods, scored, in one read: the accuracy sections cut
    theirs from it, so another week reads nothing from the store."""
    with cursor() as cur:
        return accuracy.caller_scores(cur, root_id, [period(p) for p in period_ids])


@auth.scoped(None)
@cached_read(**CACHE)
def call_accuracy(root_id: str, period_ids: tuple[str, ...],
                  week: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accuracy and bias of the calls standing at `week`, per person and per level."""
    table = accuracy.table_at_week(caller_scores(root_id, period_ids), week)
    return accuracy.by_person(table), accuracy.by_level(table)


def people_called(f: overview.TeamForecast) -> list[str]:
    """Whose calls the review lists for a team: the root, then its direct reports."""
    return [f.root_id, *f.rows.member_id[~f.rows.is_own_deals]]


@auth.scoped()
@cached_read(**CACHE)
def call_history(root_id: str, period_id: str, as_of_date: date) -> pd.DataFrame:
    """Every call for the period of `people_called` (a few per person and week): the call
    standing now is picked from them on every run, by the clock, without a query."""
    people = people_called(forecast_and_comparison(root_id, period_id, as_of_date)[0])
    with cursor() as cur:
        return calls.call_history(cur, people, period_id)


@cached_read(**CACHE)
def lock() -> calls.Lock:
    with cursor() as cur:
        return calls.lock_of(cur)


@cached_read(**CACHE)
def default_comparison(as_of_date: date) -> date:
    with cursor() as cur:
        return movement.default_comparison(cur, resolve(as_of_date)).requested


@auth.scoped("t1_date")
@cached_read(**CACHE)
def movement_between(root_id: str, period_id: str, t0_date: date,
                     t1_date: date) -> movement.Movement:
    """The bridge's bars, flow and change per member (small frames; the deals behind a bar
    are moved_deals). The team's forecasts at t1 and, for the default comparison, at t0 are
    the page's own cached ones (forecast_and_comparison)."""
    t0, t1 = _resolve_pair(t0_date, t1_date)
    after, then = forecast_and_comparison(root_id, period_id, t1_date)
    same = then is not None and (then.as_of.snapshot_date, then.as_of.effective_date) == (
        t0.snapshot_date, t0.effective_date)  # the forecast reads no more of a point
    with cursor() as cur:
        return movement.movement(cur, root_id, period(period_id), t0, t1,
                                 before=then if same else None, after=after)


@auth.scoped("t1_date")
@cached_read(**CACHE)
def moved_deals(root_id: str, period_id: str, t0_date: date, t1_date: date,
                bucket: str) -> pd.DataFrame:
    """The first DEAL_LIMIT deals behind one bar of movement_between, largest move first."""
    return moved_deals_all(root_id, period_id, t0_date, t1_date, bucket, DEAL_LIMIT)


@auth.scoped("t1_date")
def moved_deals_all(root_id: str, period_id: str, t0_date: date, t1_date: date, bucket: str,
                    limit: int | None = None) -> pd.DataFrame:
    """Every deal behind that bar, for a download (read when it is clicked, never cached)."""
    moved = movement_between(root_id, period_id, t0_date, t1_date)
    with cursor() as cur:
        return movement.deals_behind(cur, moved, bucket, limit)


# ---- figures --------------------------------------------------------------------------------
# A plotly figure costs 40-60 ms of Python to build (the template alone is ~25 ms) and almost
# nothing to send once built, so the charts of the cached reads above are kept built. They
# are shared, never changed after building (st.plotly_chart only reads them), and keyed by
# the same small keys plus `data_version`, which changes whenever the cached data is
# cleared, so a chart never outlives the numbers it draws.
FIGURES = dict(max_entries=128, ttl=3600, show_spinner=False)


def data_version() -> str:
    """Which state of the store this run reads: part of every cached figure's key."""
    return store.data_version()


def member_rows(f: overview.TeamForecast) -> pd.DataFrame:
    """The team's rows with the label the tables and bars show."""
    return f.rows.assign(label=f.rows.name.where(~f.rows.is_own_deals,
                                                 f.rows.name + " (own deals)"))


@auth.scoped()
@st.cache_resource(**FIGURES)
def team_bars(root_id: str, period_id: str, as_of_date: date, version: str) -> go.Figure:
    f = team_forecast(root_id, period_id, as_of_date)
    return charts.commit_upside_bars(member_rows(f))


@auth.scoped()
@st.cache_resource(**FIGURES)
def trend_lines(root_id: str, period_id: str, as_of_date: date, version: str) -> go.Figure:
    f = team_forecast(root_id, period_id, as_of_date)
    return charts.weekly_trend_lines(weekly_trend(root_id, period_id, as_of_date),
                                     f.total.quota_amount, f"Week by week in {period_id}")


@auth.scoped("t1_date")
@st.cache_resource(**FIGURES)
def moved_figures(root_id: str, period_id: str, t0_date: date, t1_date: date,
                  version: str) -> tuple[go.Figure, go.Figure]:
    """The waterfall and the category flow of movement_between."""
    moved = movement_between(root_id, period_id, t0_date, t1_date)
    return movement_charts.waterfall_figure(moved.bars), movement_charts.flow_heatmap(moved.flow)


@auth.scoped()
@st.cache_resource(**FIGURES)
def icicle(root_id: str, period_id: str, as_of_date: date, moment: datetime,
           version: str) -> go.Figure:
    return charts.hierarchy_icicle(ladder(root_id, period_id, as_of_date, moment).nodes)


@auth.scoped()
@st.cache_resource(**FIGURES)
def comparison_lines(root_id: str, period_id: str, as_of_date: date,
                     earlier_ids: tuple[str, ...], column: str, title: str, quota: float,
                     version: str) -> go.Figure:
    """The chart of period_comparison: `column` by week, one line per period."""
    return charts.period_comparison_lines(
        period_comparison(root_id, period_id, as_of_date, earlier_ids), quota, column, title)


@auth.scoped(None)
@st.cache_resource(**FIGURES)
def accuracy_week_lines(root_id: str, period_ids: tuple[str, ...], version: str) -> go.Figure:
    """Mean accuracy and bias of the calls at each week of those periods."""
    return charts.accuracy_by_week_lines(
        accuracy.weekly_means(caller_scores(root_id, period_ids)))
