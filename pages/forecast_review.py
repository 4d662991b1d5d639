"""Forecast review: commit vs upside, the deals behind each number, what moved, the call."""

import streamlit as st

from forecast.ui import cached, controls, review, widgets

sel = controls.sidebar()
st.title("Forecast review")
if sel is None:
    st.info("Nothing to show yet: build the demo company or import your data on the Data page.")
    st.stop()

f = cached.team_forecast(sel.root_id, sel.period.period_id, sel.as_of_date)
st.caption(f"{sel.root_name}'s team · {sel.period.period_id} · {f.as_of.describe()}")
if not f.has_deals:
    st.info(f"No deals close in {sel.period.period_id} for {sel.root_name}'s team "
            f"as of {sel.as_of_date:%Y-%m-%d}.")
    st.stop()

cumulative = not st.toggle("Single-category view", key="single_category",
                           help="Cumulative (default): Commit forecast = Closed + Commit, Best "
                           "Case forecast = Closed + Commit + Best Case. Single-category: each "
                           "column holds only its own category.")
widgets.metric_row({"closed": f.total.closed_amount, "commit_forecast": f.total.commit_forecast,
                    "best_case_forecast": f.total.best_case_forecast,
                    "upside": f.total.upside, "quota": f.total.quota_amount,
                    "attainment": f.total.attainment, "gap_to_quota": f.total.gap_to_quota,
                    "coverage": f.total.coverage})
table = review.commit_vs_upside(sel, f, cumulative)
widgets.downloads(table, f"forecast-{sel.root_id}-{sel.period.period_id}", key="forecast")

st.subheader("Deals behind the numbers")
shown = review.deals_behind(sel, f)
widgets.downloads(shown, f"deals-{sel.root_id}-{sel.period.period_id}", key="deals")

st.subheader("The call")
review.the_call(sel, f)
widgets.definitions(["closed", "commit_forecast", "best_case_forecast", "open_pipeline", "upside",
                     "commit", "best_case", "pipeline", "quota", "attainment", "gap_to_quota",
                     "coverage", "weighted_pipeline"])
