"""One read transaction per script run: a page never mixes data from before and after a
write that commits while it draws, and no cached result outlives the data it came from."""

from __future__ import annotations

from datetime import date

import pytest
import streamlit as st

from forecast import db
from forecast.ui import store


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """A store with one table of three rows, opened through the UI's cached connection."""
    monkeypatch.setenv(db.DB_PATH_ENV, str(tmp_path / "runs.duckdb"))
    store.connection.clear()
    st.cache_data.clear()
    with store.write_cursor() as cur, db.transaction(cur):
        cur.execute("create table sales (amount integer)")
        cur.execute("insert into sales values (10), (20), (30)")
    yield
    store.connection.clear()


def _add_sale(amount: int) -> None:
    with store.write_cursor() as cur, db.transaction(cur):
        cur.execute("insert into sales values ($a)", {"a": amount})


def _total() -> int:
    with store.cursor() as cur:
        return cur.execute("select sum(amount) from sales").fetchall()[0][0]


@store.cached_read(max_entries=8)
def cached_total() -> int:
    return _total()


@store.cached_read(max_entries=8)
def cached_count() -> int:
    with store.cursor() as cur:
        return cur.execute("select count(*) from sales").fetchall()[0][0]


def test_a_write_that_commits_mid_run_is_not_seen_until_the_next_run(shop):
    with store.run_reads():
        before = _total()
        _add_sale(40)  # another session's import commits while this page draws
        assert (_total(), before) == (60, 60)
    with store.run_reads():
        assert _total() == 100


def test_every_write_transaction_gives_a_new_data_version(shop):
    with store.run_reads():
        first = store.data_version()
        _add_sale(40)
        assert store.data_version() == first
    with store.run_reads():
        second = store.data_version()
    assert second != first and second.startswith("2:")  # the table's creation, then the sale


def test_a_cached_result_belongs_to_the_data_it_was_computed_from(shop):
    with store.run_reads():
        _add_sale(40)  # commits before this run computes: it still sees 60
        assert cached_total() == 60
    # no cache clear: the new version alone keeps the next run off the older result
    with store.run_reads():
        assert cached_total() == 100


def test_two_cached_reads_with_the_same_arguments_keep_their_own_results(shop):
    with store.run_reads():
        assert (cached_total(), cached_count()) == (60, 3)


def test_after_its_own_write_a_run_reads_what_it_wrote(shop):
    with store.run_reads():
        assert cached_total() == 60
        _add_sale(5)
        store.data_changed()
        assert (_total(), cached_total()) == (65, 65)


def test_nested_blocks_share_the_outer_transaction(shop):
    with store.run_reads():
        with store.cursor() as outer:
            pass
        with store.run_reads(), store.cursor() as inner:
            assert inner is outer
        assert _total() == 60  # the inner block did not end the outer transaction


def test_outside_a_run_every_read_sees_the_latest_data(shop):
    assert _total() == 60
    _add_sale(1)
    assert _total() == 61


def _commit_forecast_of_v() -> float:
    from forecast import asof, overview
    from forecast.calendar import parse_period

    with store.cursor() as cur:
        when = asof.resolve_as_of(cur, date(2026, 11, 20), today=date(2026, 11, 20))
        return overview.team_forecast(cur, "V", parse_period("2026-Q4"), when).total.commit_amount


def test_a_run_at_the_version_the_derived_tables_were_checked_at_checks_none(
        tmp_path, monkeypatch):
    """The derived tables are checked once per data version before a run; a run that reads
    that version checks nothing more, and one that reads a newer version (a write landed
    between that check and its snapshot) checks each set again and reads the write."""
    from forecast import queries

    import tiny_company
    from apptest_helpers import use_store

    use_store(tmp_path, monkeypatch, tiny_company.load, "checks")
    store.connection.clear()
    ran = []
    rows = queries.rows
    monkeypatch.setattr(queries, "rows", lambda con, name, **p: ran.append(name) or rows(
        con, name, **p))
    with store.run_reads():
        assert _commit_forecast_of_v() == 1200  # D2 200 + D7 1000
    assert "derived_sources" in ran  # the first run of the version checked every set
    ran.clear()
    with store.run_reads():
        assert _commit_forecast_of_v() == 1200
    assert ran == []
    with store.write_cursor() as cur, db.transaction(cur):
        cur.execute("insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
                    "close_date, created_date, is_closed, is_won) values ('D10', 'R3', 250, "
                    "'Negotiation', '2026-12-05', '2026-11-18', false, false)")
    monkeypatch.setattr(store, "_ensure_derived", lambda cur: None)  # the write slipped in
    with store.run_reads():
        assert _commit_forecast_of_v() == 1450
    assert ran.count("derived_sources") == 1
    store.connection.clear()
