"""Forecast review: commit vs upside, the deals behind each number, what moved, the call."""

import streamlit as st

from forecast.ui import controls, frame, review, widgets

frame.require_app()

sel = controls.sidebar()
st.title("Forecast review")
f = widgets.team_forecast_or_stop(sel, with_comparison=True)  # What moved compares with it

cumulative = not st.toggle("Single-category view", key="single_category",
                           help="Cumulative (default): Commit forecast = Closed + Commit, Best "
                           "Case forecast = Closed + Commit + Best Case. Single-category: each "
                           "column holds only its own category.")
widgets.metric_row({"closed": f.total.closed_amount, "commit_forecast": f.total.commit_forecast,
                    "best_case_forecast": f.total.best_case_forecast,
                    "upside": f.total.upside})
widgets.metric_row({"quota": f.total.quota_amount, "attainment": f.total.attainment,
                    "gap_to_quota": f.total.gap_to_quota, "coverage": f.total.coverage})
table = review.commit_vs_upside(sel, f, cumulative)
widgets.downloads(table, f"forecast-{sel.root_id}-{sel.period.period_id}", key="forecast")

st.subheader("Deals behind the numbers")
review.deals_behind(sel, f)

st.subheader("What moved")
review.what_moved(sel)

st.subheader("The call")
review.the_call(sel, f)
widgets.definitions(["closed", "commit_forecast", "best_case_forecast", "open_pipeline", "upside",
                     "commit", "best_case", "pipeline", "quota", "attainment", "gap_to_quota",
                     "coverage", "weighted_pipeline"])
