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
simulations, seed = whatif_view.run_settings()

# only the open tab runs: the comparison simulates every saved scenario, and checking the
# learned chances against past periods takes seconds at a million deals
widgets.lazy_tabs(whatif_view.KEY_TAB, {
    whatif_view.TAB_LEVERS: lambda: whatif_view.levers_tab(sel, base, simulations, seed),
    whatif_view.TAB_COMPARE: lambda: whatif_view.compare_section(sel, base, simulations, seed),
    whatif_view.TAB_TRUST: lambda: whatif_view.trust_section(sel),
})
whatif_view.definitions()
