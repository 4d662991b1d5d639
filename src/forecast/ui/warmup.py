"""Plotly's figure machinery loaded once per server process, in the background, when the
server starts: the first figure a process builds and sends costs a few hundred ms more than
any later one (plotly loads its validators, and the data-frame layer it converts columns
with looks for plugins among every installed package), and that belongs to no viewer's
page."""

from __future__ import annotations

import threading

import pandas as pd
import plotly.io as pio
import plotly.tools
import streamlit as st

from forecast import charts


@st.cache_resource(show_spinner=False)
def start() -> threading.Thread:
    """Once per process (cached): build a throwaway figure on a daemon thread."""
    thread = threading.Thread(target=_one_figure, name="plotly-warm-up", daemon=True)
    thread.start()
    return thread


def _one_figure() -> None:
    fig = charts.figure([dict(type="bar", x=pd.Series(["a"]), y=pd.Series([0.0]))],
                        dict(template=charts.template()))
    # what st.plotly_chart does with a figure before sending it
    pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True), validate=False)
