"""What-if: the projected range, scenario levers, saved scenarios side by side, and how far
the method can be trusted."""

import streamlit as st

from forecast.formatting import md_text
from forecast.ui import controls, frame, whatif_view, widgets

frame.require_app()

sel = controls.sidebar()
st.title("What-if")
if sel is None:
    widgets.nothing_loaded()
base = whatif_view.baseline_or_stop(sel)
st.caption(f"{md_text(base.root_name)}'s team · {sel.period.period_id} · "
           f"{whatif_view.cached.resolve(sel.as_of_date).describe()}")

st.subheader("Projected landing and scenario levers")
simulations, seed = whatif_view.run_settings()
whatif_view.scenario_section(sel, base, simulations, seed)
whatif_view.deals_section(base)
st.subheader("Scenarios side by side")
whatif_view.compare_section(sel, base, simulations, seed)
st.subheader("How far to trust the range")
whatif_view.trust_section(sel)
whatif_view.definitions()
