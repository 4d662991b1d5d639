"""The server's loaded libraries are kept out of Python's full garbage collections."""

from __future__ import annotations

import gc

from forecast.ui import heap

from apptest_helpers import open_app


def test_what_the_first_run_loaded_is_frozen(tiny_db):
    """After the first complete run the libraries and the app's modules are frozen: a full
    collection (80-90 ms at 135,000 objects, on whichever interaction it lands) walks only
    what was made since."""
    open_app("pages/forecast_review.py")
    frozen = heap.freeze_loaded()  # cached: what the first run froze
    assert frozen > 50_000  # streamlit, pandas, plotly, duckdb and the app's modules
    assert gc.get_freeze_count() > 0.9 * frozen  # a few were freed by their last reference
    assert len(gc.get_objects()) < frozen / 2  # what a full collection still walks
