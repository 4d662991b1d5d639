"""AppTest: the Data page imports the Maven sample and a broken file, and reports both."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st

from apptest_helpers import ROOT, open_app, use_store

PAGE = "pages/data_page.py"
MAVEN = ROOT / "data" / "samples" / "maven_crm"


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    yield use_store(tmp_path, monkeypatch, lambda con: None, "empty")
    st.cache_resource.clear()


def _upload(at, names: list[str], folder: Path = MAVEN):
    at.file_uploader(key="upload").set_value(
        [(n, (folder / n).read_bytes(), "text/csv") for n in names]).run()
    return at


def test_empty_store_says_so_on_every_page(empty_db):
    at = open_app()
    assert any("Nothing to show yet" in i.value for i in at.info)
    at.switch_page(PAGE).run()
    counts = at.dataframe[0].value.set_index("table")["rows"]
    assert counts["Opportunities"] == 0


def test_maven_sample_imports_from_the_page(empty_db):
    at = open_app(PAGE)
    _upload(at, ["sales_pipeline.csv", "sales_teams.csv", "products.csv", "accounts.csv"])
    at.date_input(key="import_as_of").set_value(date(2018, 1, 1))
    at.button(key="import_go").click().run()
    assert not at.exception
    done = " ".join([s.value for s in at.success] + [w.value for w in at.warning])
    assert "8,800 rows read, 8,800 loaded, 0 rejected" in done
    assumed = " ".join(m.value for m in at.markdown)
    assert "list price" in assumed and "created date" in assumed.lower()
    counts = at.dataframe[0].value.set_index("table")["rows"]
    assert counts["Opportunities"] == 8800
    assert counts["People"] == 45
    # the data-quality tab names the sample's quirks
    quality = " ".join(e.label for e in at.expander)
    assert "What the import of" in quality


def test_a_file_that_is_not_csv_is_refused_plainly(empty_db, tmp_path):
    at = open_app(PAGE)
    # a picture saved with a .csv name (the browser only offers csv, tsv, txt and xlsx files)
    (tmp_path / "logo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _upload(at, ["logo.csv"], tmp_path)
    at.button(key="import_go").click().run()
    assert not at.exception
    assert any("logo.csv" in e.value for e in at.error)
    counts = at.dataframe[0].value.set_index("table")["rows"]
    assert counts["Opportunities"] == 0 and counts["Imports"] == 1
