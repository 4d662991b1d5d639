"""Funnel: from MQL to closed-won, where leads and deals are lost and what each leak costs."""

import streamlit as st

from forecast.formatting import md_text
from forecast.ui import controls, frame, funnel_view, widgets

frame.require_app()

sel = controls.sidebar()
st.title("Funnel")
if sel is None:
    widgets.nothing_loaded()

view, counting, dimension, reference = funnel_view.controls()
if sel.period.start_date > sel.as_of_date:
    st.info(f"{sel.period.period_id} starts after the as-of date ({sel.as_of_date:%Y-%m-%d}): "
            "nothing has happened in it yet.")
    st.stop()
rep = funnel_view.report(sel.root_id, sel.period.period_id, sel.as_of_date, view, dimension)
st.caption(f"{md_text(sel.root_name)}'s team · {sel.period.period_id} · {rep.window.describe()} · "
           f"{counting} counting")
funnel_view.notes(rep)
if rep.is_empty:
    st.info("No leads or deals of this team reached any funnel step by the as-of date.")
    st.stop()

funnel_view.headline(rep, counting, reference)
st.subheader("The funnel")
funnel_view.funnel_section(rep, counting)
st.subheader("Leaks and what they cost")
funnel_view.leaks_section(rep, counting, reference)
st.subheader("Speed to lead and follow-up")
funnel_view.speed_section(rep)
st.subheader("Velocity")
funnel_view.velocity_section(rep)
st.subheader("Cohorts")
funnel_view.cohort_section(rep, counting)
st.subheader("The records behind a number")
funnel_view.drill_section(rep, sel, view, counting)
funnel_view.definitions()
