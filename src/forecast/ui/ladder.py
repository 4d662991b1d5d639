"""The tabs of the Rollup page: the call ladder and adjustments, pictures, trust in callers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from forecast import calls, formatting, rollup
from forecast.calendar import Period
from forecast.formatting import md_text
from forecast.metrics import METRICS
from forecast.ui import auth, cached, controls, store, widgets
from forecast.ui.controls import Selection
from forecast.ui.store import data_changed, write_cursor

MEASURES = {"commit": "Commit", "best_case": "Best case"}
_ADJUSTED = "_adjustment_recorded"
TAB_LADDER, TAB_GLANCE, TAB_TRUST = ("Call ladder", "The team at a glance",
                                     "Can the callers be trusted?")
KEY_TAB = "rollup_tab"


def review_moment(sel: Selection) -> datetime:
    """The calls standing at the as-of date (now, minute-rounded, for the live data)."""
    when = cached.resolve(sel.as_of_date)
    # rounded up to the minute: a stable cache key that still includes a call made just now
    now = datetime.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    return calls.review_moment(sel.as_of_date, cached.lock(), now, when.is_live)


def _columns(measure: str) -> dict:
    money = {"format": "dollar"}
    label = MEASURES[measure].lower()
    return {
        "person": "Person", "level": "Level", "team_size": "Team size",
        "system": st.column_config.NumberColumn(f"System {label}", **money,
                                                help=METRICS["system_commit"].description),
        "rolled_up": st.column_config.NumberColumn(
            f"Rolled up {label}", **money, help=METRICS["rolled_up_commit"].formula),
        "own_call": st.column_config.NumberColumn("Own call", **money,
                                                  help=METRICS["call_commit"].description),
        "call_is_stale": "Stale call", "call_note": "Call note",
        "adjustment_note": "Adjustment note",
        "change_by_own_call": st.column_config.NumberColumn("Change by own call", **money),
        "manager_adjustment": st.column_config.NumberColumn(
            "Manager's adjustment", **money, help=METRICS["adj_commit"].description),
        "previous_adjustment": st.column_config.NumberColumn("Previous adjustment", **money),
        "change_by_manager": st.column_config.NumberColumn("Change by manager", **money),
        "effective": st.column_config.NumberColumn(
            f"Effective {label}", **money, help=METRICS["effective_commit"].formula),
        "quota": widgets.column("quota"), "quota_below": widgets.column("quota_below"),
        "attainment": widgets.column("attainment"),
        "gap_to_quota": st.column_config.NumberColumn("Gap to quota", **money,
                                                      help="Quota - effective"),
        "coverage": widgets.column("coverage"), "open_pipeline": widgets.column("open_pipeline"),
    }


def ladder_tab(sel: Selection, lad: rollup.Ladder) -> None:
    """The ladder, its downloads and the adjustment form."""
    view = call_ladder(sel, lad)
    widgets.downloads(view, f"rollup-{sel.root_id}-{sel.period.period_id}", key="rollup")
    st.subheader("Adjust a direct report's call")
    adjustment_form(sel, lad)


def call_ladder(sel: Selection, lad: rollup.Ladder) -> pd.DataFrame:
    """The ladder table; a click on a row (or the picker) drills into that person."""
    left, right = st.columns([1, 2])
    measure = left.segmented_control("Measure", list(MEASURES), format_func=MEASURES.get,
                                     default="commit", key="ladder_measure", required=True,
                                     **widgets.KEEP)
    deepest = int(lad.nodes.depth.max() - lad.nodes.depth.min())
    levels = right.slider("Levels shown below the team", 0, max(deepest, 1),
                          min(2, max(deepest, 1)), key="ladder_levels", **widgets.KEEP)
    view = rollup.ladder_view(lad, measure, levels)
    event = st.dataframe(view.drop(columns=["person_id"]), hide_index=True,
                         column_config=_columns(measure), on_select="rerun",
                         selection_mode="single-row",
                         # One table per team: a selection must not outlive the drill it
                         # caused, or the next run would drill again from the new team.
                         key=f"ladder_table_{sel.root_id}")
    picked = [row for row in (event.selection.rows if event else []) if row < len(view)]
    if picked and view.person_id.iloc[picked[0]] != sel.root_id:
        controls.drill_to(view.person_id.iloc[picked[0]])
    reports = lad.nodes[lad.nodes.manager_id == sel.root_id]
    if not reports.empty:
        names = dict(zip(reports.person_id, reports.name, strict=True))
        choice = st.selectbox("Drill into", [None, *reports.person_id],
                              format_func=lambda p: "—" if p is None else names[p],
                              key="drill_into")
        if choice:
            st.session_state.pop("drill_into")
            controls.drill_to(choice)
    st.caption(f"Calls and adjustments standing at {lad.moment:%Y-%m-%d %H:%M}. "
               f"{rollup.__doc__.split(chr(10) + chr(10))[0]}")
    return view


def adjustment_form(sel: Selection, lad: rollup.Ladder) -> None:
    """A manager changes a direct report's call; nothing else changes."""
    if _ADJUSTED in st.session_state:
        st.success(st.session_state.pop(_ADJUSTED))
    reports = lad.nodes[lad.nodes.manager_id == sel.root_id]
    if reports.empty:
        st.info(f"{md_text(sel.root_name)} has nobody reporting to them: there is no call "
                "to adjust.")
        return
    if not lad.as_of.is_live:
        st.info("Adjustments are made on the latest data only; pick the latest as-of date.")
        return
    names = dict(zip(reports.person_id, reports.name, strict=True))
    with st.form("adjust_form"):
        person = st.selectbox("Adjust the call of", list(names), format_func=names.get,
                              key="adj_person")
        left, right = st.columns(2)
        commit = left.number_input("Commit", min_value=0.0, step=1000.0, key="adj_commit")
        best = right.number_input("Best case", min_value=0.0, step=1000.0, key="adj_best")
        note = st.text_input("Why", key="adj_note", max_chars=2000)
        by = auth.author_input("Entered by", key="adj_by")
        go = st.form_submit_button("Record the adjustment")
    if not go:
        return
    if not by.strip():
        st.error("Say who is entering the adjustment: it is kept with it.")
        return
    try:
        with write_cursor() as cur:
            calls.adjust_call(cur, sel.root_id, person, sel.period.period_id, commit, best,
                              note, by.strip(), datetime.now())
    except calls.CallError as exc:
        st.error(str(exc))
        return
    data_changed()
    st.session_state[_ADJUSTED] = (f"{md_text(names[person])}'s call adjusted to commit "
                                   f"{formatting.currency_exact(commit)}, best case "
                                   f"{formatting.currency_exact(best)}.")
    st.rerun()


def earlier_periods(period: Period, count: int) -> list[Period]:
    """The same kind of period, `count` back (quarters for a quarter, years for a year...)."""
    out, current = [], period
    for _ in range(count):
        before = current.start_date.replace(day=1)
        previous = cached.period(_previous_id(current))
        if previous.end_date >= before:
            break
        out.append(previous)
        current = previous
    return out


def _previous_id(period: Period) -> str:
    year = period.fiscal_year
    if period.period_type == "year":
        return str(year - 1)
    if period.period_type == "quarter":
        q = period.fiscal_quarter - 1
        return f"{year}-Q{q}" if q else f"{year - 1}-Q4"
    m = period.fiscal_month - 1
    return f"{year}-M{m}" if m else f"{year - 1}-M12"


def pictures(sel: Selection, lad: rollup.Ladder) -> None:
    left, right = st.columns(2)
    left.plotly_chart(cached.icicle(sel.root_id, sel.period.period_id, sel.as_of_date,
                                    lad.moment, cached.data_version()), key="icicle")
    earlier = tuple(p.period_id for p in earlier_periods(sel.period, 2))
    trend = cached.period_comparison(sel.root_id, sel.period.period_id, sel.as_of_date, earlier)
    if trend.empty:
        right.info("No weekly history in this period yet.")
        return
    measure = st.session_state.get("ladder_measure") or "commit"
    column = "commit_forecast" if measure == "commit" else "best_case_forecast"
    right.plotly_chart(cached.comparison_lines(
        sel.root_id, sel.period.period_id, sel.as_of_date, earlier, column,
        f"{MEASURES[measure]} forecast by week, against earlier periods",
        float(lad.node(sel.root_id).quota_amount), cached.data_version()), key="comparison")


@store.fragment
def trust(sel: Selection) -> None:
    """Accuracy and bias of the calls at a fixed week of the last four ended periods. A
    fragment: another week reruns this section only."""
    ended = tuple(p.period_id for p in earlier_periods(sel.period, 4)
                  if p.end_date < sel.as_of_date)
    week = st.number_input("Week of the period whose call is judged", 1, 13, 6,
                           key="accuracy_week", **widgets.KEEP)
    if not ended:
        st.info("No ended period with history yet: accuracy needs a period that is over.")
        return
    per_person, per_level = cached.call_accuracy(sel.root_id, ended, int(week))
    st.caption(f"Periods {', '.join(ended)}; the commit call standing at the week-{week} lock "
               f"({cached.lock().describe()}) against Closed at the period's end. "
               f"{METRICS['accuracy'].formula}; {METRICS['bias'].formula}.")
    if per_person.empty:
        st.info("No calls were made in those periods.")
        return
    labels = {"name": "Person", "depth": "Level", "periods": "Periods", "people": "People",
              "accuracy": widgets.column("accuracy"), "bias": widgets.column("bias")}
    left, right = st.columns([2, 1])
    left.dataframe(per_person.drop(columns=["person_id"]), hide_index=True,
                   column_config=labels)
    right.dataframe(per_level, hide_index=True, column_config=labels)
    st.plotly_chart(cached.accuracy_week_lines(sel.root_id, ended, cached.data_version()),
                    key="accuracy_weeks")

