"""The What-if page's sections and its cached reads (keys are small values, never frames).

The levers and the projection they move are one fragment: moving a slider reruns only that
part, with 2,000 simulations unless the user asks for a full run, on the baseline (open
deals with learned chances) cached per team, period and as-of date.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from forecast import asof, formatting, hierarchy
from forecast.calendar import fiscal_start_month
from forecast.formatting import md_text
from forecast.metrics import METRICS, help_text
from forecast.ui import auth, cached, store, widgets
from forecast.ui.controls import Selection
from forecast.ui.ladder import review_moment
from forecast.ui.store import cached_read, cursor, write_cursor
from forecast.whatif import (
    WhatIfError,
    backtest,
    calibration,
    charts,
    compare,
    projection,
    scenarios,
)
from forecast.whatif.learn import AGE_LABELS, LOOKBACK, SIZE_LABELS, Learned, learn
from forecast.whatif.levers import PICKS, RANGES, Levers, missing_picks

CACHE = dict(max_entries=16, ttl=3600, show_spinner=False)
SLIDERS = {"win_rate_pts": "wi_win", "slip_pts": "wi_slip", "deal_size_pct": "wi_size",
           "new_pipeline_pct": "wi_new"}
FUNNEL = {"mql_volume_pct": "wi_mql", "mql_to_srl_pct": "wi_mql_srl",
          "srl_to_sql_pct": "wi_srl_sql", "sql_to_deal_pct": "wi_sql_deal"}
PICK_KEYS = {kind: f"wi_{kind}" for kind in PICKS}
PICK_LABELS = {"slipped": "These deals slip", "lost": "These deals are lost",
               "won": "These deals are won"}
KEY_FULL, KEY_SEED, KEY_LOAD, KEY_COMPARE = "wi_full", "wi_seed", "wi_load", "wi_compare"
KEY_BACKTEST = "wi_backtest"
PICK_LIMIT = 500     # deals the pickers offer
DEAL_LIMIT = 1_000   # deals the table lists; the download holds every one
_MESSAGE = "_wi_message"
TAB_LEVERS, TAB_COMPARE, TAB_TRUST = ("Projected landing and levers", "Scenarios side by side",
                                      "How far to trust the range")
KEY_TAB = "wi_tab"


# ---- cached reads -------------------------------------------------------------------------


@cached_read(**CACHE)
def learned(period_id: str, as_of_date: date) -> Learned:
    """The chances learned from the whole company's history: the same for every team, so a
    change of team reads only the team's own deals."""
    with cursor() as cur:
        when = asof.resolve_as_of(cur, as_of_date)
        return learn(cur, cached.period(period_id), when.effective_date)


@auth.scoped()
@cached_read(**CACHE)
def baseline(root_id: str, period_id: str, as_of_date: date) -> projection.Baseline:
    with cursor() as cur:
        when = asof.resolve_as_of(cur, as_of_date)
        return projection.baseline(cur, root_id, cached.period(period_id), when,
                                   learned_chances=lambda: learned(period_id, as_of_date))


@auth.scoped()
@cached_read(max_entries=64, ttl=3600, show_spinner=False)
def run(root_id: str, period_id: str, as_of_date: date, levers_json: str, simulations: int,
        seed: int) -> projection.Projection:
    return projection.project(baseline(root_id, period_id, as_of_date),
                              Levers.from_json(levers_json), simulations, seed)


@auth.scoped()
@cached_read(**CACHE)
def standing_call(root_id: str, period_id: str, as_of_date: date,
                  moment: datetime) -> compare.Call | None:
    with cursor() as cur:
        when = asof.resolve_as_of(cur, as_of_date)
        return compare.standing_call(cur, root_id, cached.period(period_id), when, moment)


@cached_read(**CACHE)
def saved() -> pd.DataFrame:
    with cursor() as cur:
        return scenarios.saved(cur)


@cached_read(**CACHE)
def calibrated(period_id: str, as_of_date: date) -> calibration.Calibration:
    with cursor() as cur:
        return calibration.calibration(cur, cached.period(period_id), as_of_date)


@auth.scoped(None)
@cached_read(max_entries=8, ttl=3600, show_spinner="Backtesting: a projection for every "
               "week of each past period…")
def backtested(root_id: str, period_ids: tuple[str, ...]) -> pd.DataFrame:
    with cursor() as cur:
        return backtest.backtest(cur, root_id, [cached.period(p) for p in period_ids])


# ---- figures ------------------------------------------------------------------------------
# Kept built, like forecast.ui.cached's: a figure costs 50-200 ms of Python, and a rerun with
# nothing changed would build it again. Keyed by the same small keys plus the data version.


@auth.scoped()
@st.cache_resource(**cached.FIGURES)
def distribution(root_id: str, period_id: str, as_of_date: date, levers_json: str,
                 simulations: int, seed: int, call_commit: float | None,
                 version: str) -> go.Figure:
    """The baseline's (and a moved scenario's) simulated landings, with P10/P50/P90 of the
    scenario, the quota and the call."""
    args = (root_id, period_id, as_of_date)
    base_run = run(*args, Levers().to_json(), simulations, seed)
    scen = run(*args, levers_json, simulations, seed)
    runs = ({"Baseline": base_run.totals} if scen.levers.is_baseline
            else {"Baseline": base_run.totals, "Scenario": scen.totals})
    markers = {"P10": scen.p10, "P50": scen.p50, "P90": scen.p90, "Quota": scen.quota,
               "Call": call_commit}
    return charts.distribution_figure(charts.histogram(runs), markers)


@st.cache_resource(**cached.FIGURES)
def calibration_chart(period_id: str, as_of_date: date, version: str) -> go.Figure:
    return charts.calibration_figure(calibrated(period_id, as_of_date).buckets)


@cached_read(**CACHE)
def past_periods(period_id: str, as_of_date: date) -> tuple[str, ...]:
    with cursor() as cur:
        first, _ = asof.snapshot_range(cur)
        found = backtest.periods_to_test(cached.period(period_id), as_of_date, LOOKBACK,
                                         fiscal_start_month(cur), first)
    return tuple(p.period_id for p in found)


# ---- small pieces -------------------------------------------------------------------------


def metric(name: str, value: float | None, container=st, delta: float | None = None,
           label: str | None = None) -> None:
    """A number with its definition behind the help icon and its change from the baseline."""
    shown = None
    if delta is not None and np.isfinite(delta) and abs(delta) > 1e-9:
        fmt = METRICS[name].fmt
        shown = (f"{delta * 100:+.1f} pts" if fmt == "percent"
                 else ("+" if delta > 0 else "") + formatting.currency(delta))
        shown += " vs baseline"
    container.metric(label or METRICS[name].label, formatting.metric_value(name, value),
                     delta=shown, help=help_text(name))


def baseline_or_stop(sel: Selection) -> projection.Baseline:
    """The cached baseline, or a plain message and stop."""
    try:
        base = baseline(sel.root_id, sel.period.period_id, sel.as_of_date)
    except (WhatIfError, hierarchy.TeamError, asof.AsOfError) as exc:
        st.warning(str(exc))
        st.stop()
    if not base.learned.has_history:
        st.warning(base.learned.describe(), icon=":material/history:")
    return base


def _deal_label(deals: pd.DataFrame) -> dict[str, str]:
    return {row.opportunity_id: f"{row.opportunity_id} · {row.account_name or '–'} · "
            f"{formatting.currency(row.amount)} · {row.stage_name} · {row.p_won:.0%}"
            + (" · dated next period" if row.is_later else "")
            for row in deals.itertuples()}


def pickable(deals: pd.DataFrame) -> pd.DataFrame:
    """The deals the pickers offer: the PICK_LIMIT largest, and any already picked (a loaded
    scenario may pick smaller ones). Every option is sent to the browser on every run, so a
    company-wide team's hundred thousand deals would make each slider move take seconds."""
    picked = {d for key in PICK_KEYS.values() for d in st.session_state.get(key) or []}
    largest = deals.nlargest(PICK_LIMIT, "amount")
    extra = deals[deals.opportunity_id.isin(picked - set(largest.opportunity_id))]
    return pd.concat([largest, extra]).sort_values("amount", ascending=False)


# ---- levers -------------------------------------------------------------------------------


def _stage_key(stage: str) -> str:
    return f"wi_stage_{stage}"


def _type_key(deal_type: str) -> str:
    return f"wi_type_{deal_type}"


def put_levers(levers: Levers, deals: pd.DataFrame) -> None:
    """Set every lever widget to `levers` (a callback: runs before the widgets are drawn)."""
    for name, key in {**SLIDERS, **FUNNEL}.items():
        st.session_state[key] = float(getattr(levers, name))
    stages, types = dict(levers.win_rate_by_stage), dict(levers.win_rate_by_type)
    for stage in deals.stage_name.unique():
        st.session_state[_stage_key(stage)] = float(stages.get(stage, 0.0))
    for deal_type in deals.deal_type.unique():
        st.session_state[_type_key(deal_type)] = float(types.get(deal_type, 0.0))
    open_ids = set(deals.opportunity_id)
    for kind, key in PICK_KEYS.items():
        st.session_state[key] = [d for d in getattr(levers, kind) if d in open_ids]


def _load(name: str, deals: pd.DataFrame) -> None:
    try:
        with cursor() as cur:
            found = scenarios.load(cur, name)
    except WhatIfError as exc:
        st.session_state[_MESSAGE] = ("error", str(exc))
        return
    put_levers(found.levers, deals)
    missing = missing_picks(deals, found.levers)
    note = (f" {len(missing)} of its picked deals are not open in this view and are left out."
            if missing else "")
    st.session_state[_MESSAGE] = ("success", f"Loaded '{md_text(found.name)}' (version "
                                  f"{found.version}, saved by {md_text(found.saved_by)} on "
                                  f"{found.saved_at:%Y-%m-%d %H:%M}).{note}")


def _slider(name: str, key: str, container=st) -> float:
    low, high, unit, label = RANGES[name]
    st.session_state.setdefault(key, 0.0)  # the baseline; put_levers sets loaded values
    return container.slider(f"{label} ({unit})", low, high, step=1.0, key=key, **widgets.KEEP,
                            help=_LEVER_HELP.get(name, ""))


_LEVER_HELP = {
    "win_rate_pts": "Added to each open deal's win rate if it closes (won / (won + lost)).",
    "slip_pts": "Taken from each open deal's chance of closing in the period; 1 - that chance "
                "is the slip rate.",
    "deal_size_pct": "Scales every open deal's amount and the new deals' amounts.",
    "new_pipeline_pct": "Scales the expected number of deals created and won in the period.",
}


def lever_controls(base: projection.Baseline) -> Levers | None:
    """The sliders and deal pickers; None (with a message) when they contradict each other."""
    columns = st.columns(len(SLIDERS))
    values = {name: _slider(name, key, column)
              for (name, key), column in zip(SLIDERS.items(), columns, strict=True)}
    with st.expander("Win rate by stage or deal type, lead funnel"):
        stages = _by_key(base.deals.stage_name, _stage_key, "stage")
        types = _by_key(base.deals.deal_type, _type_key, "deal type")
        funnel_columns = st.columns(len(FUNNEL))
        values |= {name: _slider(name, key, column)
                   for (name, key), column in zip(FUNNEL.items(), funnel_columns, strict=True)}
        st.caption("The lead levers scale only new deals that come from a marketing lead.")
    labels = _deal_label(pickable(base.deals))
    pick_columns = st.columns(len(PICKS))
    picks = {kind: tuple(column.multiselect(
        PICK_LABELS[kind], list(labels), format_func=labels.get, key=PICK_KEYS[kind],
        placeholder="Pick from the deal list", **widgets.KEEP))
        for kind, column in zip(PICKS, pick_columns, strict=True)}
    if len(base.deals) > PICK_LIMIT:
        st.caption(f"The pickers offer the {PICK_LIMIT:,} largest of the {len(base.deals):,} "
                   "open deals (type to search them); a saved scenario can pick any deal.")
    try:
        return Levers.from_dict({**values, "win_rate_by_stage": stages,
                                 "win_rate_by_type": types, **picks})
    except WhatIfError as exc:
        st.error(str(exc))
        return None


def _by_key(column: pd.Series, key_of, kind: str) -> dict[str, float]:
    names = sorted(column.unique())
    cells = st.columns(max(len(names), 1))
    for name in names:
        st.session_state.setdefault(key_of(name), 0.0)
    return {name: cell.slider(f"Win rate, {kind} {name} (points)", -50.0, 50.0, step=1.0,
                              key=key_of(name), **widgets.KEEP)
            for name, cell in zip(names, cells, strict=False)}


# ---- the projection -----------------------------------------------------------------------


def _runs(sel: Selection, levers: Levers, simulations: int, seed: int):
    args = (sel.root_id, sel.period.period_id, sel.as_of_date)
    return (run(*args, Levers().to_json(), simulations, seed),
            run(*args, levers.to_json(), simulations, seed))


def results(sel: Selection, base_run: projection.Projection, scen: projection.Projection,
            call: compare.Call | None) -> None:
    """The numbers (with their change from the baseline) and the distribution."""
    moved = not scen.levers.is_baseline

    def delta(a: float, b: float) -> float | None:
        return a - b if moved else None

    row = st.columns(4)
    metric("commit_forecast", scen.commit_forecast, row[0],
           delta(scen.commit_forecast, base_run.commit_forecast))
    metric("best_case_forecast", scen.best_case_forecast, row[1],
           delta(scen.best_case_forecast, base_run.best_case_forecast))
    metric("p_reach_quota", scen.p_reach_quota, row[2],
           delta(scen.p_reach_quota, base_run.p_reach_quota))
    reach_call = scen.chance_of_reaching(call.commit) if call else float("nan")
    metric("p_reach_call", reach_call, row[3],
           delta(reach_call, base_run.chance_of_reaching(call.commit)) if call else None)
    row = st.columns(4)
    for column, name, attr in zip(row, ["whatif_p10", "whatif_p50", "whatif_p90", "whatif_mean"],
                                  ["p10", "p50", "p90", "mean"], strict=True):
        metric(name, getattr(scen, attr), column, delta(getattr(scen, attr),
                                                        getattr(base_run, attr)))
    st.plotly_chart(distribution(sel.root_id, sel.period.period_id, sel.as_of_date,
                                 scen.levers.to_json(), scen.simulations, scen.seed,
                                 call.commit if call else None, cached.data_version()),
                    key="wi_distribution")
    st.caption(f"{scen.levers.describe()} · {scen.simulations:,} simulations, seed {scen.seed}"
               f" · quota {formatting.currency_exact(scen.quota)}"
               + (f" · call {formatting.currency_exact(call.commit)}" if call else
                  " · no call submitted"))
    for note in scen.notes:
        st.caption(note)


def run_settings() -> tuple[int, int]:
    """(simulations, seed); outside the levers' fragment, so that a change reruns the whole
    page and the comparison below uses the same settings."""
    left, right = st.columns([3, 1])
    full = left.toggle(f"Full run ({projection.DEFAULT_SIMULATIONS:,} simulations)",
                       key=KEY_FULL, help=f"While levers move, {projection.QUICK_SIMULATIONS:,}"
                       " simulations keep the page quick; the full run narrows the noise.")
    seed = int(right.number_input("Seed", min_value=0, value=projection.DEFAULT_SEED, step=1,
                                  key=KEY_SEED, help="The same seed gives the same range."))
    return (projection.DEFAULT_SIMULATIONS if full else projection.QUICK_SIMULATIONS), seed


def levers_tab(sel: Selection, base: projection.Baseline, simulations: int,
               seed: int) -> None:
    """The levers and their projection, then the open deals they act on."""
    scenario_section(sel, base, simulations, seed)
    deals_section(base)


@store.fragment
def scenario_section(sel: Selection, base: projection.Baseline, simulations: int,
                     seed: int) -> None:
    """Levers, the projection they move, and saving/loading scenarios: one fragment, so a
    slider reruns this part only."""
    _message()
    levers = lever_controls(base)
    call = standing_call(sel.root_id, sel.period.period_id, sel.as_of_date,
                         review_moment(sel))
    base_run, scen = _runs(sel, levers or Levers(), simulations, seed)
    results(sel, base_run, scen, call)
    save_and_load(sel, base, levers)


def _message() -> None:
    if _MESSAGE in st.session_state:
        kind, text = st.session_state.pop(_MESSAGE)
        getattr(st, kind)(text)


def save_and_load(sel: Selection, base: projection.Baseline, levers: Levers | None) -> None:
    left, right = st.columns(2)
    with left.form("wi_save_form", clear_on_submit=False):
        name = st.text_input("Scenario name", key="wi_name", max_chars=scenarios.MAX_NAME)
        by = auth.author_input("Saved by", key="wi_by")
        note = st.text_input("Note", key="wi_note", max_chars=2000)
        go = st.form_submit_button("Save the levers as a scenario")
    if go:
        _save(sel, name, by, note, levers)
    names = auth.visible_rows(saved(), "team_id", sel.as_of_date).name.tolist()
    right.selectbox("Saved scenario", names, key=KEY_LOAD, index=None,
                    placeholder="Pick a scenario to load", **widgets.KEEP)
    chosen = st.session_state.get(KEY_LOAD)
    right.button("Load its levers", key="wi_load_button", disabled=chosen is None,
                 on_click=_load, args=(chosen, base.deals))
    right.button("Back to the baseline", key="wi_reset", on_click=put_levers,
                 args=(Levers(), base.deals))


def _save(sel: Selection, name: str, by: str, note: str, levers: Levers | None) -> None:
    if levers is None:
        st.error("Fix the levers first: the scenario was not saved.")
        return
    try:
        with write_cursor() as cur:
            version = scenarios.save(cur, name, levers, by, datetime.now(), note,
                                     sel.period.period_id, sel.root_id, sel.as_of_date)
    except WhatIfError as exc:
        st.error(str(exc))
        return
    saved.clear()
    st.session_state[_MESSAGE] = ("success",
                                  f"Saved '{md_text(name.strip())}' as version {version}.")
    st.rerun()  # the whole page, so the load picker lists it


# ---- side by side -------------------------------------------------------------------------


_COMPARE_COLUMNS = {"scenario": "Scenario", "version": "Version", "levers": "Levers"}


def compare_section(sel: Selection, base: projection.Baseline, simulations: int,
                    seed: int) -> None:
    listed = auth.visible_rows(saved(), "team_id", sel.as_of_date)
    if listed.empty:
        st.info("No saved scenarios yet: move the levers on the first tab and save them.")
        return
    chosen = st.multiselect("Scenarios to compare with the baseline and the call",
                            listed.name.tolist(), key=KEY_COMPARE,
                            default=listed.name.tolist()[:2], **widgets.KEEP)
    table = _comparison(sel, base, listed, chosen, simulations, seed)
    money = {c: widgets.column(m) for c, m in {
        "closed": "closed", "commit_forecast": "commit_forecast",
        "best_case_forecast": "best_case_forecast", "quota": "quota",
        "expected_new_pipeline": "expected_new_pipeline", "mean": "whatif_mean",
        "p10": "whatif_p10", "p50": "whatif_p50", "p90": "whatif_p90",
        "p_reach_quota": "p_reach_quota", "p_reach_call": "p_reach_call"}.items()}
    st.dataframe(table.drop(columns=["simulations", "seed", "levers_json"]), hide_index=True,
                 column_config={**_COMPARE_COLUMNS, **money}, key="wi_compare_table")
    st.caption(f"Every row: {simulations:,} simulations, seed {seed}, the same random draws.")
    widgets.downloads(table, f"scenarios-{sel.root_id}-{sel.period.period_id}", key="wi_export")


def _comparison(sel: Selection, base: projection.Baseline, listed: pd.DataFrame,
                chosen: list[str], simulations: int, seed: int) -> pd.DataFrame:
    picked = listed.set_index("name").loc[chosen] if chosen else listed.iloc[:0]
    call = standing_call(sel.root_id, sel.period.period_id, sel.as_of_date, review_moment(sel))
    rows = []
    for name, row in picked.iterrows():
        try:
            rows.append((name, int(row.version), Levers.from_json(row.levers)))
        except WhatIfError as exc:  # saved by hand or by an older version with other limits
            st.warning(f"'{md_text(name)}' cannot be compared: {exc}")
    table = compare.comparison(base, rows, call, simulations, seed)
    jsons = {name: row.levers for name, row in picked.iterrows()} | {
        compare.BASELINE: Levers().to_json()}
    return table.assign(levers_json=table.scenario.map(jsons))


# ---- the deals and how far to trust the range ---------------------------------------------


def deals_section(base: projection.Baseline) -> None:
    later = int(base.deals.is_later.sum())
    with st.expander(f"The {len(base.deals) - later:,} open deals of the period, the {later:,} "
                     "dated in the next one, and their learned chances"):
        shown = base.deals.assign(age=base.deals.age_bucket.map(AGE_LABELS),
                                  size=base.deals.size_bucket.map(SIZE_LABELS),
                                  dated=np.where(base.deals.is_later, "next period",
                                                 "this period"))
        columns = {"opportunity_id": "Deal", "account_name": "Account", "owner_name": "Owner",
                   "stage_name": "Stage", "category": "Category",
                   "close_date": st.column_config.DateColumn("Close date"),
                   "dated": st.column_config.TextColumn(
                       "Dated", help="A deal dated in the next period may be pulled in; it "
                       "counts in the range, not in Commit or Best Case."),
                   "deal_type": "Type",
                   "segment": "Segment", "age": "Age",
                   "size": st.column_config.TextColumn(
                       "Size", help="Which third of the history's amounts it falls in."),
                   "amount": st.column_config.NumberColumn("Amount", format="dollar"),
                   "p_close": widgets.column("p_close"), "p_win": widgets.column("p_win"),
                   "p_won": widgets.column("p_won"),
                   "history_deals": st.column_config.NumberColumn(
                       "Deals like it in the history", format="%d")}
        listed = shown[list(columns)].sort_values("amount", ascending=False)
        if len(listed) > DEAL_LIMIT:
            st.caption(f"The {DEAL_LIMIT:,} largest of {len(listed):,} deals; the downloads "
                       "hold every one.")
        st.dataframe(listed.head(DEAL_LIMIT), hide_index=True, column_config=columns,
                     key="wi_deals")
        if len(listed) > DEAL_LIMIT:
            widgets.downloads(listed, "whatif-deals", key="wi_deals_export")


def trust_section(sel: Selection) -> None:
    """Calibration of the learned chances, and the backtest on demand."""
    found = calibrated(sel.period.period_id, sel.as_of_date)
    left, right = st.columns(2)
    if found.is_empty:
        left.info("Not enough history to check the learned chances: it takes two ended "
                  "periods with a weekly snapshot at the same point.")
    else:
        left.plotly_chart(calibration_chart(sel.period.period_id, sel.as_of_date,
                                            cached.data_version()), key="wi_calibration")
        left.caption(f"{found.deals:,} deals open at the same point of "
                     f"{', '.join(found.periods)}, each given the chance learned from the "
                     "periods before its own. Brier score (" + METRICS["brier_score"].formula
                     + f", lower is better): learned {found.brier['Learned']:.3f}, stage "
                     f"default {found.brier['Stage default']:.3f}.")
    with right:
        _backtest(sel)


def _backtest(sel: Selection) -> None:
    periods = past_periods(sel.period.period_id, sel.as_of_date)
    if not periods:
        st.info("No ended period with history to backtest against yet.")
        return
    if not st.toggle(f"Backtest on {', '.join(periods)}", key=KEY_BACKTEST, **widgets.KEEP,
                     help="A projection for every weekly snapshot of each period, learning "
                     "only from what was known then; takes a few seconds the first time."):
        return
    scored = backtested(sel.root_id, periods)
    if scored.empty:
        st.info("None of those periods has weekly snapshots for this team.")
        return
    trust = backtest.trust(scored)
    row = st.columns(4)
    metric("projection_accuracy", trust.accuracy, row[0])
    metric("projection_bias", trust.bias, row[1])
    metric("range_hit_rate", trust.in_range, row[2])
    metric("accuracy", trust.call_accuracy, row[3], label="Call accuracy")
    st.plotly_chart(charts.accuracy_figure(backtest.by_week(scored)), key="wi_accuracy")
    period_id = st.selectbox("Week by week in", list(dict.fromkeys(scored.period_id)),
                             key="wi_backtest_period", **widgets.KEEP)
    st.plotly_chart(charts.backtest_figure(scored[scored.period_id == period_id],
                                           f"{period_id}: the range each week, what closed, "
                                           "the call"), key="wi_backtest_chart")
    widgets.downloads(scored, f"backtest-{sel.root_id}", key="wi_backtest_export")


def definitions() -> None:
    widgets.definitions(["whatif_p10", "whatif_p50", "whatif_p90", "whatif_mean",
                         "p_reach_quota", "p_reach_call", "expected_new_pipeline", "p_won",
                         "p_close", "p_win", "commit_forecast", "best_case_forecast",
                         "projection_accuracy", "projection_bias", "range_hit_rate",
                         "brier_score"])
