"""The tabs of the Forecast review page: commit vs upside, the deals behind a number, what
moved, the call."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from forecast import calls, deals, export, formatting, movement, overview
from forecast.formatting import md_text
from forecast.metrics import METRICS
from forecast.ui import auth, cached, store, widgets
from forecast.ui.controls import Selection
from forecast.ui.store import data_changed, write_cursor

KEY_MEMBER, KEY_COLUMN = "drill_member", "drill_column"
KEY_T0, KEY_BUCKET = "compare_from", "moved_bucket"
ALL_TEAM = "__team__"
DEAL_COLUMNS = {
    "opportunity_id": "Deal", "opportunity_name": "Name", "account_name": "Account",
    "owner_name": "Owner", "stage_name": "Stage", "stage_category": "Stage category",
    "rep_category": "Rep category", "category": "Category used", "amount": "Amount",
    "close_date": "Close date", "days_in_stage": "Days in stage",
    "close_date_pushes": "Pushes", "last_change_date": "Last change", "risks": "Risks",
}


TAB_COMMIT, TAB_DEALS, TAB_MOVED, TAB_CALL = "Commit vs upside", "Deals", "What moved", "The call"
KEY_TAB = "review_tab"


def open_tab() -> str:
    """The tab this run draws (before the tabs exist: the page reads for it first)."""
    return st.session_state.get(KEY_TAB) or TAB_COMMIT


def commit_vs_upside(sel: Selection, f: overview.TeamForecast) -> None:
    """The team table and chart, and their downloads. A click on a bar opens its deals."""
    cumulative = not st.toggle(
        "Single-category view", key="single_category", **widgets.KEEP,
        help="Cumulative (default): Commit forecast = Closed + Commit, Best Case forecast = "
        "Closed + Commit + Best Case. Single-category: each column holds only its own category.")
    table = overview.forecast_table(f, cumulative)
    columns = {"label": "Team member",
               **{c: widgets.column(m) for c, m in {**(overview.CUMULATIVE_VIEW if cumulative
                  else overview.SINGLE_CATEGORY_VIEW), **overview.RATIO_VIEW}.items()}}
    st.dataframe(table.drop(columns=["member_id"]), hide_index=True, column_config=columns,
                 key="team_table")
    figure = cached.team_bars(sel.root_id, sel.period.period_id, sel.as_of_date,
                              cached.data_version())
    st.plotly_chart(figure, key=KEY_BARS, on_select=_deals_of_bar, selection_mode="points")
    widgets.downloads(table, f"forecast-{sel.root_id}-{sel.period.period_id}", key="forecast")


KEY_BARS = "review_bars"


def _deals_of_bar() -> None:
    """A click on a bar opens the Deals tab on that member and column (a callback: it runs
    before the page, so the tab it picks is the one drawn)."""
    picked = deal_pick_of(st.session_state.get(KEY_BARS))
    if picked is None:
        return
    st.session_state[KEY_MEMBER], st.session_state[KEY_COLUMN] = picked
    st.session_state[KEY_TAB] = TAB_DEALS


def deal_pick_of(event) -> tuple[str, str] | None:
    """The (member, column) a click on the team's bars stands for, from the bar's customdata."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    picked = [p["customdata"] for p in points if len(p.get("customdata") or ()) >= 2]
    return (picked[0][0], picked[0][1]) if picked else None


@store.fragment
def deals_behind(sel: Selection, f: overview.TeamForecast) -> None:
    """The deals behind a member's number: pick a member and a column (or click a bar on
    the Commit vs upside tab).
    A fragment: a new pick reruns this section only. The first DEAL_LIMIT deals are listed
    (open first, largest first); the downloads hold every one."""
    members = [ALL_TEAM, *f.rows.member_id]
    names = dict(zip(f.rows.member_id, f.rows.name, strict=True)) | {ALL_TEAM: "Whole team"}
    column_names = {"all": "All deals in the period",
                    **{c: METRICS[m].label for c, m in {**overview.CUMULATIVE_VIEW,
                       **overview.SINGLE_CATEGORY_VIEW}.items()}}
    left, right = st.columns(2)
    member = left.selectbox("Deals of", members, format_func=names.get, key=KEY_MEMBER,
                          **widgets.KEEP)
    column = right.selectbox("Behind", list(column_names), format_func=column_names.get,
                             key=KEY_COLUMN, **widgets.KEEP)
    picked = (sel.root_id, sel.period.period_id, sel.as_of_date,
              None if member == ALL_TEAM else member,
              None if column == "all" else tuple(overview.CATEGORIES_BEHIND[column]))
    shown = cached.deal_list(*picked)
    total = int(shown.deals_in_list.iloc[0]) if len(shown) else 0
    amount = float(shown.amount_in_list.iloc[0]) if len(shown) else 0.0
    listed = (f" The {len(shown):,} largest are listed, open deals first; the downloads hold "
              f"all {total:,}." if total > len(shown) else "")
    st.caption(f"{total:,} deals, {formatting.currency_exact(amount)}.{listed} "
               "Risk flags: " + " ".join(f"**{label}**: {why}"
                                         for label, why in deals.RISK_FLAGS.values()))
    st.dataframe(shown[list(DEAL_COLUMNS)], hide_index=True, column_config={
        **DEAL_COLUMNS, "amount": st.column_config.NumberColumn("Amount", format="dollar")})
    stem = f"deals-{sel.root_id}-{sel.period.period_id}"
    if total > len(shown):
        _full_downloads(lambda: cached.deal_list_all(*picked), stem)
    else:
        widgets.downloads(shown.drop(columns=["deals_in_list", "amount_in_list"]), stem,
                          key="deals")


def _full_downloads(read, stem: str) -> None:
    """CSV and Excel downloads of a list too long to show, read only when clicked."""
    def rows():
        return read().drop(columns=["deals_in_list", "amount_in_list"])
    left, right = st.columns(2)
    left.download_button("Download CSV", lambda: export.to_csv(rows()), f"{stem}.csv",
                         "text/csv", key="deals_csv")
    right.download_button(
        "Download Excel", lambda: export.to_excel(rows()), f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="deals_xlsx")


def the_call(sel: Selection, f: overview.TeamForecast) -> None:
    """This week's call beside last week's and the system number, and the form to call."""
    lock = cached.lock()
    moment = calls.review_moment(sel.as_of_date, lock, datetime.now(), f.as_of.is_live)
    history = cached.call_history(sel.root_id, sel.period.period_id, sel.as_of_date)
    table = calls.this_and_last_week(None, cached.people_called(f), sel.period.period_id,
                                     sel.as_of_date, moment, lock, history=history)
    st.caption(f"Calls lock every {lock.describe()}; the call shown is the latest at "
               f"{moment:%Y-%m-%d %H:%M}. A week without a new call carries the last one "
               "forward, marked stale.")
    if _RECORDED in st.session_state:
        st.success(st.session_state.pop(_RECORDED))
    st.dataframe(_call_view(table, f), hide_index=True)
    if not f.as_of.is_live:
        st.info("Calls are recorded for the current week only; pick the latest as-of date.")
        return
    _call_form(sel, f)


def _call_view(table: pd.DataFrame, f: overview.TeamForecast) -> pd.DataFrame:
    """The calls of `table` (the root first, then its direct reports) beside the system's
    numbers: the team's total for the root, each report's own row for them. Plain Python
    over a handful of rows, built on every run (pandas merges cost ~10 ms here)."""
    rows = f.rows
    names = dict(zip(rows.member_id, rows.name, strict=True)) | {f.root_id: f.root_name}
    system = {m: (c, b) for m, c, b in zip(
        rows.member_id, rows.commit_forecast, rows.best_case_forecast, strict=True)}
    system[f.root_id] = (f.total.commit_forecast, f.total.best_case_forecast)
    people = table.person_id.tolist()
    money = formatting.currency_exact

    def shown(column: str) -> list[str]:
        return [money(v) for v in table[column].tolist()]

    return pd.DataFrame({
        "Person": [names.get(p) for p in people],
        "System commit": [money(system[p][0]) for p in people],
        "Call: commit": shown("commit_amount"),
        "Last week: commit": shown("commit_amount_last_week"),
        "System best case": [money(system[p][1]) for p in people],
        "Call: best case": shown("best_case_amount"),
        "Last week: best case": shown("best_case_amount_last_week"),
        "Stale": ["no call" if v != v else "stale" if v else "" for v in table.is_stale.tolist()],
        "Note": ["" if v is None or v != v else v for v in table.note.tolist()],
    })


def _call_form(sel: Selection, f: overview.TeamForecast) -> None:
    with st.form("call_form", clear_on_submit=False):
        st.markdown(f"**Record {md_text(sel.root_name)}'s call for {sel.period.period_id}**")
        left, right = st.columns(2)
        commit = left.number_input("Commit", min_value=0.0, step=1000.0,
                                   value=float(f.total.commit_forecast), key="call_commit")
        best = right.number_input("Best case", min_value=0.0, step=1000.0,
                                  value=float(f.total.best_case_forecast), key="call_best")
        note = st.text_input("Note", key="call_note", max_chars=2000)
        entered_by = auth.author_input("Entered by", key="call_by",
                                       help="Your name: kept with the call.")
        submitted = st.form_submit_button("Submit the call")
    if not submitted:
        return
    if not entered_by.strip():
        st.error("Say who is entering the call: it is kept with it.")
        return
    try:
        with write_cursor() as cur:
            calls.submit_call(cur, sel.root_id, sel.period.period_id, commit, best, note,
                              entered_by=entered_by.strip(), at=datetime.now())
    except calls.CallError as exc:
        st.error(str(exc))
        return
    data_changed()
    st.session_state[_RECORDED] = (f"Call recorded: commit {formatting.currency_exact(commit)}, "
                                   f"best case {formatting.currency_exact(best)}.")
    st.rerun()  # so the table above shows the new call


_RECORDED = "_call_recorded"


MOVED_COLUMNS = {
    "opportunity_id": "Deal", "opportunity_name": "Name", "owner_name": "Owner",
    "bucket": "Bucket", "reason": "Why", "amount_t0": "Amount then", "amount_t1": "Amount now",
    "value": "Contribution", "close_date_t0": "Close date then", "close_date_t1": "Close date now",
    "category_t0": "Category then", "category_t1": "Category now",
}


@store.fragment
def what_moved(sel: Selection) -> None:
    """The waterfall between two dates, its deals, the category flow and the change per rep.
    A fragment: a new comparison date or bucket reruns this section only."""
    try:
        default_t0 = cached.default_comparison(sel.as_of_date)
    except movement.MovementError as exc:
        st.info(str(exc))
        return
    if st.session_state.get(KEY_T0) is None or st.session_state[KEY_T0] >= sel.as_of_date:
        st.session_state[KEY_T0] = default_t0
    t0 = st.date_input("Compare the pipeline on", key=KEY_T0, max_value=sel.as_of_date,
                       **widgets.KEEP, help="Default: the last weekly snapshot before the "
                       "week of the as-of date. The other end is the as-of date in the sidebar.")
    try:
        moved = cached.movement_between(sel.root_id, sel.period.period_id, t0, sel.as_of_date)
    except movement.MovementError as exc:
        st.warning(str(exc))
        return
    st.caption(f"From {moved.t0.describe()} to {moved.t1.describe()}. "
               f"{moved.identity_text()}.")
    waterfall, flow = cached.moved_figures(sel.root_id, sel.period.period_id, t0,
                                           sel.as_of_date, cached.data_version())
    event = st.plotly_chart(waterfall, key="waterfall", on_select="rerun",
                            selection_mode="points")
    points = event.selection.points if event else []
    if points and points[0].get("customdata"):
        st.session_state[KEY_BUCKET] = points[0]["customdata"][0]
    with st.expander("How deals are put in buckets"):
        st.markdown(movement.PRECEDENCE)
    bucket = st.selectbox("Deals in", list(moved.bars.bucket), key=KEY_BUCKET, index=None,
                          **widgets.KEEP, placeholder="Pick a bar (or click one) to list its deals")
    if bucket is not None:
        _moved_deals(sel, t0, moved, bucket)
    left, right = st.columns(2)
    left.plotly_chart(flow, key="flow")
    right.dataframe(_member_changes(moved.by_member), hide_index=True)


def _moved_deals(sel: Selection, t0: date, moved: movement.Movement, bucket: str) -> None:
    """The deals behind one bar, read only once it is picked: the first DEAL_LIMIT (largest
    move first) are listed, the count and total are the bar's own, the downloads hold all."""
    key = (sel.root_id, sel.period.period_id, t0, sel.as_of_date, bucket)
    shown = cached.moved_deals(*key)
    bar = moved.bars.set_index("bucket").loc[bucket]
    total = int(bar.deal_count)
    listed = (f" The {len(shown):,} largest moves are listed; the downloads hold all "
              f"{total:,}." if total > len(shown) else "")
    st.caption(f"{bucket}: {total:,} deals, {formatting.currency_exact(bar.value)}.{listed}")
    st.dataframe(shown[list(MOVED_COLUMNS)], hide_index=True, column_config=MOVED_COLUMNS)
    stem = f"moved-{bucket}-{sel.root_id}"
    if total <= len(shown):
        widgets.downloads(shown, stem, key="moved")
        return
    left, right = st.columns(2)
    left.download_button("Download CSV", lambda: export.to_csv(cached.moved_deals_all(*key)),
                         f"{stem}.csv", "text/csv", key="moved_csv")
    right.download_button(
        "Download Excel", lambda: export.to_excel(cached.moved_deals_all(*key)),
        f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="moved_xlsx")


def _member_changes(by_member: pd.DataFrame) -> pd.DataFrame:
    money = formatting.currency_exact

    def shown(column: str) -> list[str]:  # plain Python: a dozen rows, on every run
        return [money(v) for v in by_member[column].tolist()]

    return pd.DataFrame({
        "Team member": by_member.label,
        "Commit then": shown("commit_forecast_t0"),
        "Commit now": shown("commit_forecast_t1"),
        "Commit change": shown("commit_forecast_change"),
        "Best case then": shown("best_case_forecast_t0"),
        "Best case now": shown("best_case_forecast_t1"),
        "Best case change": shown("best_case_forecast_change"),
    })
