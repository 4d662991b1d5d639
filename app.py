"""The Streamlit frame: page setup and navigation (the pages the viewer may open). Each page
draws the shared sidebar."""

import streamlit as st

from forecast.ui import auth, heap, store, warmup

st.set_page_config(page_title="Sales forecast", page_icon=":bar_chart:", layout="wide")
warmup.start()

# the pages this viewer may open: the Data page (the whole store) for admins only
pages = st.navigation(auth.pages_for([
    st.Page("pages/overview_page.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/forecast_review.py", title="Forecast review", icon=":material/checklist:"),
    st.Page("pages/rollup_page.py", title="Rollup", icon=":material/account_tree:"),
    st.Page("pages/funnel_page.py", title="Funnel", icon=":material/filter_alt:"),
    st.Page("pages/whatif_page.py", title="What-if", icon=":material/tune:"),
], data_page=st.Page("pages/data_page.py", title="Data", icon=":material/database:")))

# every read of the run sees one state of the store (forecast.ui.store.run_reads)
with store.run_reads():
    pages.run()
heap.freeze_loaded()  # once per process, after its first complete run
