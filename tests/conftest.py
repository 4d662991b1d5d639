"""Shared fixtures: a fresh in-memory store per test."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from forecast import db

import tiny_company
from apptest_helpers import use_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def tiny_db(tmp_path, monkeypatch):
    yield use_store(tmp_path, monkeypatch, tiny_company.load, "tiny")
    st.cache_resource.clear()



@pytest.fixture
def tiny_db_with_calls(tiny_db):
    con = db.connect(tiny_db)
    tiny_company.load_calls(con)
    con.close()
    return tiny_db
