"""One DuckDB connection per process; a cursor for each unit of work."""

from __future__ import annotations

import duckdb
import streamlit as st

from forecast import db


@st.cache_resource(show_spinner=False)
def connection(path: str) -> duckdb.DuckDBPyConnection:
    return db.connect(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the shared connection: connections are not thread-safe, cursors are
    cheap, and each script run (a thread) must use its own."""
    try:
        return connection(str(db.db_path())).cursor()
    except db.StoreError as exc:
        # Every page starts here, so a store that cannot be opened stops the page plainly.
        st.error(str(exc))
        st.stop()


def data_changed() -> None:
    """Call after any write: cached results may describe the old data."""
    st.cache_data.clear()
