"""The Funnel page's sections and its cached reads (keys are small values, never frames).

Every number is shown with its definition (`forecast.funnel_metrics`) behind the help icon,
and the records behind it can be listed and downloaded in the drill-down section.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from forecast import db, funnel, funnel_charts, funnel_leaks, funnel_report, funnel_speed
from forecast.funnel import Window
from forecast.funnel_metrics import text  # importing it registers the funnel metrics
from forecast.metrics import METRICS, help_text
from forecast.ui import auth, cached, store, widgets
from forecast.ui.store import cached_read, cursor

CACHE = dict(max_entries=32, ttl=3600, show_spinner="Measuring the funnel…")
DRILL_LIMIT = 5000
GRAINS = {"quarter": "By quarter", "month": "By month"}


# ---- the cursor a report reads on -----------------------------------------------------------
# At the data date the funnel reads the store's tables, built for every team, on the run's
# cursor. Another date needs the team's tables built for that date (funnel.use_tables: 3 s
# for the demo company's top, half a minute for a large team at a million deals) as
# temporary tables, which live as long as the cursor they are built on. A run's cursor ends
# with the run, so every other view, split or drill at that date would build them again: a
# cursor of their own is kept instead, for the last (team, date) picked. One only: the tables
# take memory (175 MB for the demo company's top, 1.5 GB for a large team at a million
# deals), and a dropped cursor frees them.


@dataclass
class _PastCursor:
    cursor: duckdb.DuckDBPyConnection
    lock: threading.Lock = field(default_factory=threading.Lock)  # one report at a time


@auth.scoped()
@st.cache_resource(max_entries=1, ttl=900, show_spinner=False)
def _past_cursor(root_id: str, as_of_date: date, version: str) -> _PastCursor:
    return _PastCursor(store.new_cursor())


@contextmanager
def funnel_cursor(root_id: str, as_of_date: date) -> Iterator[duckdb.DuckDBPyConnection]:
    """The cursor a funnel read of `root_id`'s team as of `as_of_date` runs on: the run's at
    the data date, else the kept one of that team and date. Each use of a kept cursor is a
    transaction of its own, committed so that the tables it built stay; it reads the data
    version the run reads, or the run's cursor is used after all."""
    version = store.data_version()
    if as_of_date == cached.data_date():
        with cursor() as cur:
            yield cur
        return
    kept = _past_cursor(root_id, as_of_date, version)
    with kept.lock:
        cur = kept.cursor
        cur.execute("begin transaction")
        if db.data_version(cur) != version:  # a write landed since the run began
            cur.execute("rollback")
            with cursor() as run_cur:
                yield run_cur
            return
        try:
            yield cur
        except BaseException:
            cur.execute("rollback")
            raise
        cur.execute("commit")


# ---- cached reads -------------------------------------------------------------------------


def window(period_id: str, as_of_date: date, view: str) -> Window:
    p = cached.period(period_id)
    return Window(p.start_date, p.end_date, as_of_date, view)


@auth.scoped()
@cached_read(**CACHE)
def report(root_id: str, period_id: str, as_of_date: date, view: str,
           dimension: str | None) -> funnel_report.FunnelReport:
    with funnel_cursor(root_id, as_of_date) as cur:
        return funnel_report.build(cur, root_id, window(period_id, as_of_date, view),
                                   dimension)


@auth.scoped()
@cached_read(max_entries=16, ttl=600, show_spinner=False)
def journeys(root_id: str, period_id: str, as_of_date: date, view: str, dimension: str | None,
             step_key: str, from_key: str | None, strict_only: bool,
             split_value: str | None, deal_type: str | None) -> pd.DataFrame:
    with funnel_cursor(root_id, as_of_date) as cur:
        scope = funnel.prepare(cur, root_id, as_of_date, dimension)
        return funnel.records(cur, scope, window(period_id, as_of_date, view), step_key,
                              from_key=from_key, strict_only=strict_only,
                              split_value=split_value, deal_type=deal_type,
                              limit=DRILL_LIMIT)


@auth.scoped()
@cached_read(max_entries=16, ttl=600, show_spinner=False)
def leads(root_id: str, period_id: str, as_of_date: date, view: str, dimension: str | None,
          kind: str, bucket_order: int | None, split_value: str | None) -> pd.DataFrame:
    with funnel_cursor(root_id, as_of_date) as cur:
        scope = funnel.prepare(cur, root_id, as_of_date, dimension)
        return funnel_speed.lead_records(cur, scope, window(period_id, as_of_date, view), kind,
                                         bucket_order=bucket_order, split_value=split_value,
                                         limit=DRILL_LIMIT)


# ---- charts, kept built ---------------------------------------------------------------------
# A plotly figure costs 40-60 ms to build and the page draws seven, so each is kept built
# (see forecast.ui.cached): keyed by the report's small keys, the chart's own choices and the
# data version; the report itself is passed unhashed (the leading underscore).


def _figure_of(rep: funnel_report.FunnelReport, name: str, args: tuple) -> go.Figure:
    if name == "funnel":
        (counting,) = args
        split = rep.scope.dimension is not None
        steps = rep.steps(counting, split)
        steps = steps[steps.is_required.astype(bool)]  # side steps are in the table only
        return funnel_charts.funnel_chart(steps, f"The funnel ({counting} counting)")
    if name == "sankey":
        return funnel_charts.sankey(rep.flows, list(rep.scope.catalog.label))
    if name == "leaks":
        counting, reference = args
        ranked = funnel_leaks.ranking(rep.leaks[rep.leaks.counting == counting], reference)
        column = "bench_low" if reference == "benchmark" else "best_past_rate"
        return funnel_charts.leak_bars(ranked.assign(reference=ranked[column]))
    if name == "speed":
        buckets = rep.speed.buckets
        overall = buckets.groupby(["bucket_order", "bucket"], as_index=False)[["leads"]].sum()
        return funnel_charts.response_bars(overall.merge(_bucket_conv(buckets),
                                                         on="bucket_order"))
    if name == "trend":
        (grain,) = args
        return funnel_charts.velocity_trend(rep.vs_quarters if grain == "quarter"
                                            else rep.vs_months)
    if name == "stages":
        return funnel_charts.time_in_stage_bars(rep.stages)
    (counting,) = args  # cohorts
    chain = set(rep.scope.catalog.step_key[rep.scope.catalog.is_required.astype(bool)])
    grid = rep.cohorts
    return funnel_charts.cohort_heatmap(grid[grid.step_key.isin(chain)], f"conv_cum_{counting}")


CHART_KEYS = {"funnel": "funnel_chart", "sankey": "funnel_sankey", "leaks": "funnel_leak_bars",
              "speed": "funnel_speed_chart", "trend": "funnel_velocity_chart",
              "stages": "funnel_tis", "cohorts": "funnel_cohorts"}


@st.cache_resource(**cached.FIGURES)
def _figure(name: str, args: tuple, key: tuple, version: str,
            _rep: funnel_report.FunnelReport) -> go.Figure:
    return _figure_of(_rep, name, args)


def chart(rep: funnel_report.FunnelReport, name: str, *args: str) -> None:
    """Draw chart `name` of the report (kept built, see above)."""
    w = rep.window
    key = (rep.scope.root_id, w.start, w.end, w.as_of, w.view, rep.scope.dimension)
    st.plotly_chart(_figure(name, args, key, cached.data_version(), rep),
                    key=CHART_KEYS[name])


# ---- small pieces -------------------------------------------------------------------------


def metric(name: str, value, label: str | None = None, container=st,
           note: str | None = None) -> None:
    """A number with its formula and meaning behind the help icon; `note` is a grey line
    under it (what the number is about)."""
    container.metric(label or METRICS[name].label, text(name, value), help=help_text(name),
                     delta=note, delta_color="off", delta_arrow="off")


def _column(name: str, label: str | None = None):
    m = METRICS[name]
    fmt = {"currency": "dollar", "percent": "percent", "count": "%d", "days": "%.1f",
           "minutes": "%.1f", "currency_per_day": "dollar", "multiple": "%.2fx"}[m.fmt]
    return st.column_config.NumberColumn(label or m.label, format=fmt,
                                         help=f"{m.formula}. {m.description}")


def controls() -> tuple[str, str, str | None, str]:
    """View, counting, split and leak reference, drawn above the sections."""
    left, middle, right, far = st.columns([2, 2, 2, 2])
    view = left.segmented_control(
        "View", list(funnel.VIEWS), default="period", key="funnel_view",
        format_func=lambda v: {"period": "Period", "cohort": "Cohort"}[v],
        help=" · ".join(funnel.VIEWS.values())) or "period"
    counting = middle.segmented_control(
        "Counting", list(funnel.COUNTINGS), default="strict", key="funnel_counting",
        format_func=lambda c: {"strict": "Strict", "any": "Any stage"}[c],
        help=" · ".join(funnel.COUNTINGS.values())) or "strict"
    dimension = right.selectbox(
        "Split by", [None, *funnel.DIMENSIONS], key="funnel_split",
        format_func=lambda d: "No split" if d is None else funnel.DIMENSIONS[d])
    reference = far.segmented_control(
        "Leaks against", list(funnel_leaks.REFERENCES), default="benchmark",
        key="funnel_reference",
        format_func=lambda r: {"benchmark": "Benchmark", "past": "Best past"}[r],
        help=" · ".join(funnel_leaks.REFERENCES.values())) or "benchmark"
    return view, counting, dimension, reference


def notes(rep: funnel_report.FunnelReport) -> None:
    for note in rep.scope.notes:
        st.warning(note, icon=":material/info:")


def headline(rep: funnel_report.FunnelReport, counting: str, reference: str) -> None:
    total = rep.steps(counting).set_index("step_key")
    first = rep.scope.first_key
    cols = st.columns(5)
    metric("funnel_entrants", total.entrants[first], f"{total.label[first]} entrants", cols[0])
    if rep.scope.has("won"):
        metric("funnel_entrants", total.entrants["won"], "Won", cols[1])
        metric("funnel_conv_cumulative", total.conv_cumulative["won"],
               f"{total.label[first]} → Won", cols[2])
    against = "vs benchmark" if reference == "benchmark" else "vs best past quarter"
    metric("funnel_leak_total", rep.leak_total(counting, reference), "Lost in leaks",
           cols[3], against)
    team = rep.team_leaks[rep.team_leaks.counting == counting]
    top = funnel_leaks.ranking(team, reference, top=1)
    name = "funnel_leak_benchmark" if reference == "benchmark" else "funnel_leak_past"
    if top.empty:
        metric(name, 0.0, "Biggest leak", cols[4], "none")
    else:
        metric(name, top.leak_usd.iloc[0], "Biggest leak", cols[4], top.name.iloc[0])


# ---- sections -----------------------------------------------------------------------------


STEP_COLUMNS = {"split_value": "Split", "label": "Step",
                "entrants": _column("funnel_entrants"), "value_usd": _column("funnel_value"),
                "conv_next": _column("funnel_conv_next"),
                "conv_cumulative": _column("funnel_conv_cumulative")}


def funnel_section(rep: funnel_report.FunnelReport, counting: str) -> None:
    split = rep.scope.dimension is not None
    steps = rep.steps(counting, split)
    chart(rep, "funnel", counting)
    shown = steps[["split_value", "label", "entrants", "value_usd", "conv_next",
                   "conv_cumulative"]]
    if not split:
        shown = shown.drop(columns="split_value")
    st.dataframe(shown, hide_index=True, column_config=STEP_COLUMNS, key="funnel_steps")
    exits = rep.exits.groupby("label", sort=False)[["journeys", "value_usd"]].sum()
    st.caption("Where journeys ended up in this view: " + ", ".join(
        f"{label} {int(row.journeys):,} ({text('funnel_value', row.value_usd)})"
        for label, row in exits.iterrows()) + ".")
    if not rep.flows.empty:
        chart(rep, "sankey")


LEAK_COLUMNS = {
    "name": "Transition", "entrants": _column("funnel_entrants"),
    "converted": st.column_config.NumberColumn("Converted", format="%d"),
    "rate": _column("funnel_conv_next", "Rate"),
    "benchmark": st.column_config.TextColumn("Benchmark"),
    "best_past_rate": st.column_config.NumberColumn("Best past quarter", format="percent"),
    "downstream_usd": _column("funnel_downstream_value", "Value per converted entrant"),
    "leak_vs_benchmark_usd": _column("funnel_leak_benchmark"),
    "leak_vs_past_usd": _column("funnel_leak_past"),
}


def _bench_text(low: float, high: float) -> str:
    if low != low:
        return ""
    return f"{low:.0%}" if low == high else f"{low:.0%}–{high:.0%}"


def leaks_section(rep: funnel_report.FunnelReport, counting: str, reference: str) -> None:
    rows = rep.leaks[rep.leaks.counting == counting]
    ranked = funnel_leaks.ranking(rows, reference)
    if ranked.empty:
        st.success("No transition is below its reference in this view.")
    else:
        chart(rep, "leaks", counting, reference)
    split = rep.scope.dimension is not None
    table = rows.assign(
        name=rows.label + (" · " + rows.split_value if split else ""),
        benchmark=[_bench_text(lo, hi) for lo, hi in zip(rows.bench_low, rows.bench_high,
                                                          strict=True)])
    table = table[table.entrants > 0] if split else table
    st.dataframe(table[list(LEAK_COLUMNS)], hide_index=True, column_config=LEAK_COLUMNS,
                 key="funnel_leaks")


def speed_section(rep: funnel_report.FunnelReport) -> None:
    if not rep.scope.has("mql"):
        st.info("Speed to lead needs lead data (MQL times and first responses).")
        return
    s, total = rep.scope.settings, rep.speed.total
    cols = [*st.columns(3), *st.columns(3)]
    minutes = funnel_speed.minutes_text
    metric("funnel_share_fast", total.share_fast,
           f"Answered within {minutes(s.fast_minutes)}", cols[0])
    metric("funnel_sla_target", total.sla_target_rate,
           f"Within SLA ({minutes(s.sla_target_minutes)})", cols[1])
    metric("funnel_sla_max", total.sla_max_rate,
           f"Within maximum ({minutes(s.sla_max_minutes)})", cols[2])
    metric("funnel_median_response", total.median_minutes, None, cols[3])
    metric("funnel_no_show_rate", total.no_show_rate, None, cols[4])
    metric("funnel_untouched", float(rep.rep_load.untouched_leads.sum()), None, cols[5])
    buckets = rep.speed.buckets
    chart(rep, "speed")
    st.dataframe(buckets.drop(columns="bucket_order"), hide_index=True, key="funnel_buckets",
                 column_config={"split_value": "Split", "bucket": "First response",
                                "leads": st.column_config.NumberColumn("Leads", format="%d"),
                                "share": st.column_config.NumberColumn("Share",
                                                                       format="percent"),
                                "conv_next": _column("funnel_response_conversion"),
                                "conv_won": st.column_config.NumberColumn(
                                    "Reached Won", format="percent"),
                                "median_minutes": _column("funnel_median_response")})
    st.markdown(f"**Leads per rep** (cap {s.lead_cap:,}; old = over {s.lead_age_days} days)")
    st.dataframe(rep.rep_load.drop(columns="owner_id"), hide_index=True, key="funnel_load",
                 column_config={"owner_name": "Rep", "open_leads": _column("funnel_open_leads"),
                                "old_leads": st.column_config.NumberColumn("Old", format="%d"),
                                "median_age_days": _column("funnel_lead_age"),
                                "oldest_age_days": "Oldest (days)",
                                "untouched_leads": _column("funnel_untouched"),
                                "is_over_cap": "Over the cap"})


def _bucket_conv(buckets: pd.DataFrame) -> pd.DataFrame:
    """Each bucket's conversion over every split value (recomputed from counts)."""
    b = buckets.assign(converted=buckets.conv_next.fillna(0) * buckets.leads)
    sums = b.groupby("bucket_order")[["converted", "leads"]].sum()
    return (sums.converted / sums.leads.where(sums.leads > 0)).rename("conv_next").reset_index()


def velocity_section(rep: funnel_report.FunnelReport) -> None:
    v = rep.vs_current
    cols = st.columns(5)
    metric("funnel_volume", v.volume, None, cols[0])
    metric("funnel_pipeline_value", v.value_usd, None, cols[1])
    metric("funnel_cycle_days", v.cycle_days, None, cols[2])
    metric("funnel_win_rate", v.win_rate, "Conversion (win rate)", cols[3])
    metric("funnel_sales_velocity", v.sales_velocity_usd_per_day, None, cols[4])
    grain = st.segmented_control("Trend", list(GRAINS), default="quarter", key="funnel_grain",
                                 format_func=GRAINS.get) or "quarter"
    trend = rep.vs_quarters if grain == "quarter" else rep.vs_months
    chart(rep, "trend", grain)
    st.dataframe(trend, hide_index=True, key="funnel_vs", column_config={
        "window_id": "Period", "volume": _column("funnel_volume"),
        "value_usd": _column("funnel_pipeline_value"),
        "won_count": st.column_config.NumberColumn("Won", format="%d"),
        "won_usd": st.column_config.NumberColumn("Won amount", format="dollar"),
        "lost_count": st.column_config.NumberColumn("Lost", format="%d"),
        "cycle_days": _column("funnel_cycle_days"),
        "avg_won_usd": st.column_config.NumberColumn("Average won deal", format="dollar"),
        "win_rate": _column("funnel_win_rate"),
        "sales_velocity_usd_per_day": _column("funnel_sales_velocity")})
    if rep.stages.empty:
        st.info("Time in stage needs stage history (stage events with dates).")
    else:
        chart(rep, "stages")
        st.dataframe(rep.stages.drop(columns="step_order"), hide_index=True, key="funnel_stages",
                     column_config={
                         "stage_name": "Stage",
                         "deals_timed": st.column_config.NumberColumn("Deals", format="%d"),
                         "median_days": _column("funnel_time_in_stage", "Median days"),
                         "p25_days": st.column_config.NumberColumn("25th pct", format="%.1f"),
                         "p75_days": st.column_config.NumberColumn("75th pct", format="%.1f"),
                         "mean_days": st.column_config.NumberColumn("Mean", format="%.1f"),
                         "deals_returned": "Came back",
                         "open_now": "In it now",
                         "median_open_days": st.column_config.NumberColumn(
                             "Median days so far", format="%.1f"),
                         "stalled_count": _column("funnel_stalled"),
                         "stalled_usd": st.column_config.NumberColumn("Stalled value",
                                                                      format="dollar")})
    st.dataframe(rep.step_velocity[["label", "journey_count", "median_days", "p25_days",
                                    "p75_days"]], hide_index=True, key="funnel_step_velocity",
                 column_config={"label": "From → to",
                                "journey_count": st.column_config.NumberColumn("Journeys",
                                                                               format="%d"),
                                "median_days": _column("funnel_stage_velocity", "Median days"),
                                "p25_days": st.column_config.NumberColumn("25th pct",
                                                                          format="%.1f"),
                                "p75_days": st.column_config.NumberColumn("75th pct",
                                                                          format="%.1f")})


def cohort_section(rep: funnel_report.FunnelReport, counting: str) -> None:
    grid = rep.cohorts
    if grid.empty or not grid[f"entrants_{counting}"].any():
        st.info("No journeys started in the twelve months up to the window's end.")
        return
    chart(rep, "cohorts", counting)


# ---- drill-down ---------------------------------------------------------------------------


def drill_options(rep: funnel_report.FunnelReport) -> dict[str, str]:
    """What can be listed: option key -> what the user reads."""
    out = {f"step|{k}": f"Step: {lab}" for k, lab in zip(rep.scope.catalog.step_key,
                                                        rep.scope.catalog.label, strict=True)}
    out |= {f"exit|{k}": f"Exit: {lab}" for k, lab in funnel.EXITS.items()}
    team = rep.team_leaks[rep.team_leaks.counting == "any"]
    for row in team.itertuples():
        what = "lost deals" if pd.notna(row.deal_type) else "did not convert"
        out[f"leak|{row.transition_key}"] = f"Leak: {row.label} ({what})"
    if rep.scope.has("mql"):
        labels = funnel_speed.bucket_labels(rep.scope.settings)
        out |= {f"bucket|{i}": f"First response: {lab}" for i, lab in labels.items()}
        out |= {"lead|no_show": "Demo no-shows", "lead|untouched": "Untouched open leads",
                "lead|open": "Open leads"}
    return out


def drill_section(rep: funnel_report.FunnelReport, sel, view: str, counting: str) -> None:
    options = drill_options(rep)
    left, right = st.columns([3, 2])
    # nothing is listed until a number is picked: at a million leads a list nobody asked
    # for costs as much as the rest of the page
    choice = left.selectbox("Show the records behind", list(options), key="funnel_drill",
                            format_func=options.get, index=None,
                            placeholder="Pick a step, exit, leak or bucket")
    split_value = None
    if rep.scope.dimension is not None:
        values = sorted(set(rep.table.split_value))
        split_value = right.selectbox(funnel.DIMENSIONS[rep.scope.dimension],
                                      [None, *values], key="funnel_drill_split",
                                      format_func=lambda v: "All" if v is None else v)
    if choice is None:
        st.caption(f"The journeys or leads behind any number above, up to {DRILL_LIMIT:,}, "
                   "with a download.")
        return
    kind, _, key = choice.partition("|")
    args = (sel.root_id, sel.period.period_id, sel.as_of_date, view, rep.scope.dimension)
    if kind in ("bucket", "lead"):
        found = leads(*args, "bucket" if kind == "bucket" else key,
                      int(key) if kind == "bucket" else None, split_value)
    elif kind == "leak" and key.startswith(funnel_leaks.WIN_PREFIX):
        found = journeys(*args, "lost", None, False, split_value,
                         key.removeprefix(funnel_leaks.WIN_PREFIX))
    elif kind == "leak":
        from_key, _, to_key = key.partition(">")
        found = journeys(*args, to_key, from_key, counting == "strict", split_value, None)
    else:
        found = journeys(*args, key, None, kind == "step" and counting == "strict",
                         split_value, None)
    more = f" (the first {DRILL_LIMIT:,})" if len(found) >= DRILL_LIMIT else ""
    st.caption(f"{len(found):,} records{more} · {options[choice]} · "
               f"{funnel.VIEWS[view]} · {funnel.COUNTINGS[counting].split(':')[0]} counting")
    st.dataframe(found, hide_index=True, key="funnel_records")
    widgets.downloads(found, f"funnel-{sel.root_id}-{sel.period.period_id}-{kind}-{key}",
                      key="funnel_download")


DEFINITIONS = [m for m in METRICS if m.startswith("funnel_")]


def definitions() -> None:
    widgets.definitions(DEFINITIONS)
    with st.expander("How the funnel is built"):
        st.markdown(funnel.__doc__)
        st.markdown(funnel_leaks.__doc__)

