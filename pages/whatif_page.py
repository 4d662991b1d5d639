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
levers_tab, compare_tab, trust_tab = whatif_view.tabs()
if levers_tab.open:
    with levers_tab:
        whatif_view.scenario_section(sel, base, simulations, seed)
        whatif_view.deals_section(base)
if compare_tab.open:
    with compare_tab:
        whatif_view.compare_section(sel, base, simulations, seed)
if trust_tab.open:
    with trust_tab:
        whatif_view.trust_section(sel)
whatif_view.definitions()
