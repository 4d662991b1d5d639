"""Opening the app under AppTest on a temporary store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from forecast import db

ROOT = Path(__file__).resolve().parents[1]


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def use_store(tmp_path: Path, monkeypatch, loader: Callable, name: str = "store") -> Path:
    """Write a store with `loader(con)`, point the app at it, and start with empty caches."""
    path = tmp_path / f"{name}.duckdb"
    con = db.connect(path)
    loader(con)
    con.close()
    monkeypatch.setenv(db.DB_PATH_ENV, str(path))
    monkeypatch.chdir(ROOT)
    st.cache_data.clear()
    st.cache_resource.clear()
    return path
