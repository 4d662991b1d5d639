"""Shared fixtures: a fresh in-memory store per test."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from forecast import db

import tiny_company

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def tiny_db(tmp_path, monkeypatch):
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    tiny_company.load(con)
    con.close()
    monkeypatch.setenv(db.DB_PATH_ENV, str(path))
    monkeypatch.chdir(ROOT)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()



@pytest.fixture
def tiny_db_with_calls(tiny_db):
    con = db.connect(tiny_db)
    tiny_company.load_calls(con)
    con.close()
    return tiny_db
