"""Forecast review: commit vs upside, the deals behind each number, what moved, the call."""

import streamlit as st

from forecast.ui import controls, frame, review, widgets

frame.require_app()

sel = controls.sidebar()
st.title("Forecast review")
# What moved compares with the forecast at its default point: read with it, in one query
f = widgets.team_forecast_or_stop(sel, with_comparison=review.open_tab() == review.TAB_MOVED)
widgets.metric_row({"closed": f.total.closed_amount, "commit_forecast": f.total.commit_forecast,
                    "best_case_forecast": f.total.best_case_forecast,
                    "upside": f.total.upside})
widgets.metric_row({"quota": f.total.quota_amount, "attainment": f.total.attainment,
                    "gap_to_quota": f.total.gap_to_quota, "coverage": f.total.coverage})

# only the open tab runs: each holds a few hundred ms of reads and charts at a million deals
widgets.lazy_tabs(review.KEY_TAB, {
    review.TAB_COMMIT: lambda: review.commit_vs_upside(sel, f),
    review.TAB_DEALS: lambda: review.deals_behind(sel, f),
    review.TAB_MOVED: lambda: review.what_moved(sel),
    review.TAB_CALL: lambda: review.the_call(sel, f),
})
widgets.definitions(["closed", "commit_forecast", "best_case_forecast", "open_pipeline", "upside",
                     "commit", "best_case", "pipeline", "quota", "attainment", "gap_to_quota",
                     "coverage", "weighted_pipeline"])
