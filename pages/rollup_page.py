"""Rollup: the call ladder at every level, adjustments, the tree, and trust in callers."""

import streamlit as st

from forecast.formatting import md_text
from forecast.ui import cached, controls, frame, ladder, widgets

frame.require_app()

sel = controls.sidebar()
st.title("Rollup")
if sel is None:
    widgets.nothing_loaded()

lad = cached.ladder(sel.root_id, sel.period.period_id, sel.as_of_date,
                    ladder.review_moment(sel))
st.caption(f"{md_text(sel.root_name)}'s team · {sel.period.period_id} · {lad.as_of.describe()} · "
           "reporting lines and quotas of that date")

# only the open tab runs: the trend beside earlier periods and the callers' accuracy each
# read a few hundred ms at a million deals
widgets.lazy_tabs(ladder.KEY_TAB, {
    ladder.TAB_LADDER: lambda: ladder.ladder_tab(sel, lad),
    ladder.TAB_GLANCE: lambda: ladder.pictures(sel, lad),
    ladder.TAB_TRUST: lambda: ladder.trust(sel),
})
widgets.definitions(["system_commit", "rolled_up_commit", "call_commit", "adj_commit",
                     "effective_commit", "quota", "quota_below", "attainment", "coverage",
                     "accuracy", "bias"])
