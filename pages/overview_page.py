"""Overview: closed, commit, best case and open pipeline against quota, and the weekly trend."""

import streamlit as st

from forecast import formatting
from forecast.ui import cached, controls, frame, widgets

frame.require_app()

TOTAL_METRICS = ["closed", "commit_forecast", "best_case_forecast", "open_pipeline", "upside"]
QUOTA_METRICS = ["quota", "attainment", "gap_to_quota", "coverage", "weighted_pipeline"]

sel = controls.sidebar()
st.title("Overview")
f = widgets.team_forecast_or_stop(sel)

t = f.total
widgets.metric_row({"closed": t.closed_amount, "commit_forecast": t.commit_forecast,
                    "best_case_forecast": t.best_case_forecast, "open_pipeline": t.open_pipeline,
                    "upside": t.upside})
widgets.metric_row({"quota": t.quota_amount, "attainment": t.attainment,
                    "gap_to_quota": t.gap_to_quota, "coverage": t.coverage,
                    "weighted_pipeline": t.weighted_pipeline})

rows = f.rows.assign(label=lambda d: d.name.where(~d.is_own_deals, d.name + " (own deals)"))
keys = (sel.root_id, sel.period.period_id, sel.as_of_date, cached.data_version())
st.plotly_chart(cached.team_bars(*keys), key="bars")
st.dataframe(widgets.team_table(rows), hide_index=True, column_config=widgets.TEAM_COLUMNS)
st.caption(f"Quota of the direct reports together: {formatting.currency_exact(f.quota_below)} "
           f"against {formatting.md_text(sel.root_name)}'s own quota of "
           f"{formatting.currency_exact(t.quota_amount)}.")

st.plotly_chart(cached.trend_lines(*keys), key="trend")
widgets.definitions(TOTAL_METRICS + QUOTA_METRICS)
