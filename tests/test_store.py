"""Schema versions, migrations, snapshots and the data-quality report."""

from __future__ import annotations

from datetime import date

import pytest

from forecast import db, history, quality

import tiny_company


def test_new_store_is_at_latest_version(con):
    assert db.schema_version(con) == db.latest_schema_version() == 3
    assert con.execute("select count(*) from whatif_scenarios").fetchall() == [(0,)]


def test_reopening_keeps_data_and_an_upgrade_adds_a_migration(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    first = db.connect(path)
    tiny_company.load(first)
    first.close()
    later = db.latest_schema_version() + 1
    upgraded = db._migrations() + [(later, "alter table people add column phone varchar;")]
    monkeypatch.setattr(db, "_migrations", lambda: upgraded)
    again = db.connect(path)
    assert db.schema_version(again) == later
    assert again.execute("select count(*), count(phone) from people").fetchone() == (6, 0)
    again.close()


def test_store_newer_than_program_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    db.connect(path).close()
    known = [(version, "select 1") for version, _ in db._migrations()]
    monkeypatch.setattr(db, "_migrations", lambda: known)
    later = db.connect(path)
    later.execute("insert into schema_version (version) values ($v)",
                  {"v": db.latest_schema_version() + 3})
    later.close()
    with pytest.raises(db.StoreError, match="newer than this program"):
        db.connect(path)


def test_failed_transaction_leaves_store_as_it_was(con):
    tiny_company.load(con)
    with pytest.raises(RuntimeError):
        with db.transaction(con):
            con.execute("delete from opportunities")
            raise RuntimeError("boom")
    assert con.execute("select count(*) from opportunities").fetchone() == (9,)


def test_snapshot_records_open_deals_and_recent_closes_append_only(con):
    tiny_company.load(con)
    # open on 2026-11-20: D2 D3 D4 D6 D7 D8; D5 lost with close date 2026-10-20, after the
    # previous snapshot? no: previous is 2026-11-13, so only deals closing after it count.
    added = history.take_snapshot(con, date(2026, 11, 20))
    assert added == 6
    assert history.take_snapshot(con, date(2026, 11, 20)) == 0  # same day again: nothing new
    rows = con.execute(
        "select opportunity_id, amount from opportunity_snapshots "
        "where snapshot_date = date '2026-11-20' order by 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["D2", "D3", "D4", "D6", "D7", "D8"]
    assert dict(rows)["D3"] == 300
    # the earlier snapshot still says 250 for D3
    assert con.execute(
        "select amount from opportunity_snapshots where snapshot_date = date '2026-11-13' "
        "and opportunity_id = 'D3'").fetchone() == (250,)


def test_quality_checks_count_tiny_company(con):
    tiny_company.load(con)
    report = quality.checks(con, date(2026, 11, 20)).set_index("check_name")
    # overdue: D7 (close 2026-11-15, open); rep category differs: D6, D7
    assert report.loc["Open deals with a close date in the past", "deals"] == 1
    assert report.loc["Open deals with a close date in the past", "amount"] == 1000
    assert report.loc["Rep category differs from the stage default", "deals"] == 2
    assert report.loc["In Commit at an early stage", "deals"] == 0
    counts = quality.table_counts(con).set_index("table")["rows"]
    assert counts["Opportunities"] == 9 and counts["Weekly snapshots"] == 2
