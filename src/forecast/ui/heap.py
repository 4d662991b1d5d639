"""The server's long-lived objects kept out of Python's full garbage collections.

A full (oldest-generation) collection walks every tracked object: with streamlit, pandas,
plotly and DuckDB loaded that is ~135,000 objects and 80-90 ms, and it lands on whichever
interaction happens to allocate past the threshold. The modules and what they built at
import are never garbage, so they are frozen (`gc.freeze`) once per process: a full
collection then walks only what runs made since, a few ms."""

from __future__ import annotations

import atexit
import gc

import streamlit as st


@st.cache_resource(show_spinner=False)
def freeze_loaded() -> int:
    """Once per process (cached), at the end of its first complete script run (the
    libraries, the app's modules and plotly's machinery are loaded by then): freeze every
    tracked object. Returns how many objects were frozen. No collection first: it would
    cost that first run the 80-90 ms this saves later, and what little of the run's garbage
    is frozen with the rest is kept once, not per run."""
    gc.freeze()
    # at exit they are handed back, so that the interpreter frees them as it shuts down
    # (DuckDB's bindings report every object of theirs left alive then as a leak)
    atexit.unregister(gc.unfreeze)
    atexit.register(gc.unfreeze)
    return gc.get_freeze_count()
