"""Small rendering helpers shared by pages: metrics with their definitions, downloads."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from forecast import export, formatting
from forecast.formatting import md_text
from forecast.metrics import METRICS, help_text
from forecast.ui import cached


def metric(name: str, value: float | None, container=st) -> None:
    """A number with its formula and meaning behind the help icon."""
    container.metric(
        METRICS[name].label, formatting.metric_value(name, value), help=help_text(name))


def metric_row(values: dict[str, float | None]) -> None:
    for column, (name, value) in zip(st.columns(len(values)), values.items(), strict=True):
        metric(name, value, column)


def column(name: str) -> st.column_config.NumberColumn:
    m = METRICS[name]
    fmt = {"currency": "dollar", "percent": "percent", "multiple": "%.2fx", "count": "%d"}[m.fmt]
    return st.column_config.NumberColumn(m.label, format=fmt, help=f"{m.formula}. {m.description}")


_TEAM_METRICS = {"quota_amount": "quota", "closed_amount": "closed",
                 "commit_forecast": "commit_forecast", "best_case_forecast": "best_case_forecast",
                 "upside": "upside", "open_pipeline": "open_pipeline", "attainment": "attainment",
                 "gap_to_quota": "gap_to_quota", "coverage": "coverage",
                 "weighted_pipeline": "weighted_pipeline"}
TEAM_COLUMNS = {"label": "Team member", **{c: column(m) for c, m in _TEAM_METRICS.items()}}


def team_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The per-member table the Overview and Forecast pages show (columns in TEAM_COLUMNS)."""
    return rows[["label", *_TEAM_METRICS]]


def definitions(names: list[str]) -> None:
    """An expander listing every metric a view shows, with formula and meaning."""
    with st.expander("Definitions of the numbers on this page"):
        # one list in one element, not an element per line (each costs a fraction of a ms,
        # on every run of every page)
        st.markdown("\n".join(f"- {help_text(name).replace(chr(10) * 2, ' — ')}"
                               for name in names))


def downloads(df: pd.DataFrame, stem: str, key: str) -> None:
    """CSV and Excel downloads of `df`, built only when clicked."""
    left, right = st.columns(2)
    left.download_button("Download CSV", lambda: export.to_csv(df), f"{stem}.csv", "text/csv",
                         key=f"{key}_csv")
    right.download_button(
        "Download Excel", lambda: export.to_excel(df), f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx")


# a choice made in a tab is kept while another tab is open (Streamlit would otherwise forget
# the value of a widget that a run does not draw): widget kwargs for the controls in lazy_tabs
KEEP = {"persist_state": "page"}


def lazy_tabs(key: str, sections: dict[str, Callable[[], None]]) -> None:
    """One tab per section (label -> what draws it), of which only the open one is drawn: a
    change of tab reruns the page. `st.session_state[key]` is the open tab's label."""
    tabs = st.tabs(list(sections), key=key, on_change="rerun")
    for tab, draw in zip(tabs, sections.values(), strict=True):
        if tab.open:
            with tab:
                draw()


def nothing_loaded() -> None:
    st.info("Nothing to show yet: build the demo company or import your data on the Data page.")
    st.stop()


def team_forecast_or_stop(sel, with_comparison: bool = False):
    """The team's forecast, or a plain message (and stop) when there is nothing to show.
    `with_comparison`: read with the forecast at What moved's default comparison point
    (cached.forecast_and_comparison)."""
    if sel is None:
        nothing_loaded()
    f = cached.team_forecast_read(with_comparison)(sel.root_id, sel.period.period_id,
                                                   sel.as_of_date)
    st.caption(f"{md_text(sel.root_name)}'s team · {sel.period.period_id} · {f.as_of.describe()}")
    if not f.has_deals:
        st.info(f"No deals close in {sel.period.period_id} for {md_text(sel.root_name)}'s "
                f"team as of {sel.as_of_date:%Y-%m-%d}.")
        st.stop()
    if f.total.quota_amount != f.total.quota_amount:
        st.warning(f"No quota is set for {md_text(sel.root_name)} in {sel.period.period_id}: "
                   "attainment, gap and coverage are blank.")
    return f
