"""A store held by another process: a plain sentence, in the library and on the page."""

from __future__ import annotations

import subprocess
import sys

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from forecast import db

from apptest_helpers import ROOT

HOLD = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
        "print('held', flush=True); time.sleep(120)")


@pytest.fixture
def held_store(tmp_path):
    path = tmp_path / "held.duckdb"
    db.connect(path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "held"
    yield path
    holder.kill()
    holder.wait()


def test_library_names_the_conflict(held_store):
    with pytest.raises(db.StoreError, match="in use by another program"):
        db.connect(held_store)


def test_page_shows_the_sentence_not_a_traceback(held_store, monkeypatch):
    monkeypatch.setenv(db.DB_PATH_ENV, str(held_store))
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()  # a fresh server: no read answered from an earlier test's cache
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"The store at {held_store} is in use by another program (another app server or "
        "`forecast` command). Stop that program, or point FORECAST_DB at another file."]
