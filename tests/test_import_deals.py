"""Importing opportunities: canonical files, bad rows, idempotency, newer exports, rollback.

Fixtures live in tests/fixtures/import/; every expected number below is worked out by hand
from those files (the comments show the sums).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from forecast import importing
from forecast.importing import load

FIXTURES = Path(__file__).parent / "fixtures" / "import"
AS_OF = date(2026, 11, 20)   # a Friday
NEXT = date(2026, 11, 27)    # the Friday after
DATA_TABLES = ["people", "reporting_lines", "stages", "currency_rates", "opportunities",
               "opportunity_snapshots", "snapshots", "stage_events", "fiscal_periods",
               "quotas", "leads", "settings"]


def dump(con) -> dict[str, list[tuple]]:
    """Every data table's rows, sorted: two dumps are equal iff the contents are."""
    out = {}
    for table in DATA_TABLES:
        rows = con.execute(f"select * from {table}").fetchall()
        out[table] = sorted(rows, key=repr)
    return out


def base(con) -> None:
    """Stages and people every deal test starts from."""
    for name in ("stages.csv", "people.csv"):
        result = importing.import_file(con, FIXTURES / name, as_of=AS_OF)
        assert result.status == "loaded", result.message


def one(con, sql: str, params: dict | None = None):
    return con.execute(sql, params or {}).fetchall()[0]


def test_canonical_four_deals_load_with_hand_checked_totals(con):
    base(con)
    result = importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF)
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == (
        "loaded", 4, 4, 0)
    assert result.kind == "opportunities"
    assert result.rejects.empty and result.unknown_stages == []
    # 1000 + 2500.50 + "1,200" + 300
    assert one(con, "select count(*), sum(amount) from opportunities") == (4, 5000.5)
    # open deals only: 1000 + 2500.50 + 300
    assert one(con, "select sum(amount) from opportunities where not is_closed") == (3800.5,)
    assert one(con, "select is_closed, is_won from opportunities where opportunity_id = 'D3'"
               ) == (True, True)
    types = dict(con.execute("select opportunity_id, deal_type from opportunities").fetchall())
    assert types == {"D1": "existing", "D2": "new", "D3": "new", "D4": "existing"}
    assert one(con, "select forecast_category, probability from opportunities "
                    "where opportunity_id = 'D2'") == ("Commit", 40.0)
    assert one(con, "select account_name from opportunities where opportunity_id = 'D4'"
               ) == (None,)
    # the snapshot of the as-of date holds all four (no earlier snapshot: D3 counts as closed
    # since the previous one)
    assert one(con, "select deal_count, source from snapshots where snapshot_date = $d",
               {"d": AS_OF}) == (4, "import:opportunities")
    assert one(con, "select sum(amount) from opportunity_snapshots") == (5000.5,)
    # one stage event per new deal; a closed deal entered its stage on its close date
    assert one(con, "select count(*) from stage_events") == (4,)
    assert one(con, "select stage_entered_date from opportunities where opportunity_id = 'D3'"
               ) == (date(2026, 10, 20),)
    assert one(con, "select value from settings where key = 'data_as_of'") == ("2026-11-20",)
    logged = one(con, "select format, status, rows_in, rows_loaded, file_sha256 is not null "
                      "from imports where import_id = $id", {"id": result.import_id})
    assert logged == ("opportunities", "loaded", 4, 4, True)


def test_bad_rows_are_rejected_with_line_column_value_and_reason(con):
    base(con)
    result = importing.import_file(con, FIXTURES / "opportunities_bad.csv", as_of=AS_OF)
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects", 8, 2, 6)
    rejects = result.rejects[["line_number", "column_name", "value", "reason"]]
    assert [tuple(r) for r in rejects.itertuples(index=False)] == [
        (3, "close_date", "2026-02-30", "close_date is not a date; use YYYY-MM-DD"),
        (4, "amount", "12abc", "amount is not a number"),
        (5, "amount", "-50", "amount is negative"),
        (6, "stage_name", "Discovery", "unknown stage 'Discovery'"),
        (7, "opportunity_id", "B1", "duplicates opportunity 'B1' on line 2"),
        (8, "owner_id", "ZZ", "owner 'ZZ' is not among the people loaded (import people first)"),
    ]
    assert result.rejects["raw_row"].iloc[0] == "B2,Bad date,Acme,R1,200,,Proposal,,,2026-02-30,,,,"
    assert set(result.rejects["source_file"]) == {"opportunities_bad.csv"}
    assert result.unknown_stages == ["Discovery"]
    assert "Discovery" in result.message
    # the first B1 (100) and B7 (600) are in; the duplicate B1 (400) is not
    assert one(con, "select count(*), sum(amount) from opportunities") == (2, 700.0)
    stored = con.execute("select line_number, reason from import_rejects where import_id = $id "
                         "order by line_number", {"id": result.import_id}).fetchall()
    assert [r[0] for r in stored] == [3, 4, 5, 6, 7, 8]


def test_stage_mapping_loads_the_rows_of_an_unknown_stage(con):
    base(con)
    importing.import_file(con, FIXTURES / "opportunities_bad.csv", as_of=AS_OF)
    again = importing.import_file(con, FIXTURES / "opportunities_bad.csv", as_of=AS_OF,
                                  stage_mapping={"Discovery": "Prospecting"})
    assert (again.status, again.rows_loaded, again.rows_rejected) == (
        "loaded_with_rejects", 3, 5)
    assert again.unknown_stages == []
    assert one(con, "select stage_name, amount from opportunities where opportunity_id = 'B5'"
               ) == ("Prospecting", 300.0)
    assert one(con, "select count(*), sum(amount) from opportunities") == (3, 1000.0)


def test_missing_required_columns_fail_and_name_the_columns(con):
    base(con)
    before = dump(con)
    result = importing.import_file(con, FIXTURES / "opportunities_missing_columns.csv",
                                   as_of=AS_OF)
    assert result.status == "failed"
    assert result.message == ("The file is missing required columns for the Opportunities "
                              "(canonical CSV) format: 'amount', 'close_date'.")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (0, 0, 0)
    assert dump(con) == before
    assert one(con, "select status, message from imports where import_id = $id",
               {"id": result.import_id}) == ("failed", result.message)


def test_importing_the_same_file_twice_changes_nothing(con):
    base(con)
    first = importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF)
    after_first = dump(con)
    second = importing.import_file(con, FIXTURES / "opportunities.csv", as_of=NEXT)
    assert second.status == "unchanged"
    assert (second.rows_in, second.rows_loaded, second.rows_rejected) == (0, 0, 0)
    assert first.import_id in second.message
    assert dump(con) == after_first
    assert one(con, "select count(*) from imports where file_sha256 = "
                    "(select file_sha256 from imports where import_id = $id)",
               {"id": first.import_id}) == (2,)


def test_row_level_upsert_is_idempotent_for_a_copy_of_the_file(con, tmp_path):
    """A renamed copy with an extra blank line has another SHA-256: the rows themselves must
    then change nothing either."""
    base(con)
    importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF)
    before = dump(con)
    copy = tmp_path / "copy.csv"
    copy.write_bytes((FIXTURES / "opportunities.csv").read_bytes() + b"\n")
    result = importing.import_file(con, copy, as_of=AS_OF)
    assert (result.status, result.rows_loaded) == ("loaded", 4)
    assert "0 new, 0 updated, 4 unchanged" in result.message
    assert dump(con) == before


def test_a_newer_export_adds_a_snapshot_and_keeps_the_old_one(con):
    base(con)
    importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF)
    old_snapshot = con.execute("select * from opportunity_snapshots order by 2").fetchall()
    result = importing.import_file(con, FIXTURES / "opportunities_v2.csv", as_of=NEXT)
    assert (result.status, result.rows_loaded) == ("loaded", 5)
    assert "1 new, 3 updated, 1 unchanged" in result.message
    # the past is untouched
    assert con.execute("select * from opportunity_snapshots where snapshot_date = $d "
                       "order by 2", {"d": AS_OF}).fetchall() == old_snapshot
    # new snapshot: open D1, D2, D4, D5 (D3 closed before the previous snapshot):
    # 1000 + 2500.50 + 450 + 700
    assert one(con, "select count(*), sum(amount) from opportunity_snapshots "
                    "where snapshot_date = $d", {"d": NEXT}) == (4, 4650.5)
    assert con.execute("select snapshot_date, deal_count from snapshots order by 1"
                       ).fetchall() == [(AS_OF, 4), (NEXT, 4)]
    pushes = dict(con.execute("select opportunity_id, close_date_pushes from opportunities"
                              ).fetchall())
    assert pushes == {"D1": 1, "D2": 0, "D3": 0, "D4": 0, "D5": 0}
    assert one(con, "select stage_name, stage_entered_date from opportunities "
                    "where opportunity_id = 'D2'") == ("Negotiation", NEXT)
    # 4 first events + D2 entering Negotiation + D5's first event
    assert one(con, "select count(*) from stage_events") == (6,)
    assert one(con, "select amount from opportunities where opportunity_id = 'D4'") == (450.0,)
    assert one(con, "select value from settings where key = 'data_as_of'") == ("2026-11-27",)


def test_an_older_export_only_adds_history(con):
    base(con)
    importing.import_file(con, FIXTURES / "opportunities_v2.csv", as_of=NEXT)
    result = importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF)
    assert result.status == "loaded"
    assert any("before the live data" in a for a in result.assumptions)
    # live state keeps the newer export's values
    assert one(con, "select amount, close_date_pushes from opportunities "
                    "where opportunity_id = 'D4'") == (450.0, 0)
    assert one(con, "select amount from opportunity_snapshots where snapshot_date = $d and "
                    "opportunity_id = 'D4'", {"d": AS_OF}) == (300.0,)
    assert one(con, "select value from settings where key = 'data_as_of'") == ("2026-11-27",)


def test_a_failure_while_writing_leaves_every_table_as_it_was(con, monkeypatch):
    base(con)
    importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF)
    before = dump(con)

    def broken(*args, **kwargs):
        raise duckdb.ConversionException("disk on fire")

    monkeypatch.setattr(load, "after_deals", broken)
    result = importing.import_file(con, FIXTURES / "opportunities_v2.csv", as_of=NEXT)
    assert result.status == "failed"
    assert result.message == ("The import stopped on an unexpected problem and changed "
                              "nothing: disk on fire")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (5, 0, 5)
    assert dump(con) == before
    assert one(con, "select status, rows_in, rows_rejected from imports where import_id = $id",
               {"id": result.import_id}) == ("failed", 5, 5)


def test_a_file_where_every_row_is_bad_fails_and_changes_nothing(con, tmp_path):
    base(con)
    before = dump(con)
    path = tmp_path / "ghosts.csv"
    path.write_text("opportunity_id,owner_id,amount,stage_name,close_date\n"
                    "G1,NOBODY,10,Proposal,2026-12-01\n"
                    "G2,NOBODY,20,Proposal,2026-12-01\n", encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == (
        "failed", 2, 0, 2)
    assert result.message == ("No row could be loaded (2 rows rejected: owner '…' is not "
                              "among the people loaded (2 rows)), so nothing was changed.")
    assert dump(con) == before
    assert one(con, "select count(*) from import_rejects where import_id = $id",
               {"id": result.import_id}) == (2,)


def test_currency_conversion_uses_the_rate_in_effect_and_rejects_missing_rates(con, tmp_path):
    base(con)
    con.execute("insert into currency_rates values ('EUR', 1.10, date '2026-01-01'), "
                "('EUR', 1.20, date '2026-10-01'), ('EUR', 1.30, date '2026-12-01')")
    path = tmp_path / "fx.csv"
    path.write_text(
        "opportunity_id,owner_id,amount,currency,stage_name,close_date\n"
        "F1,R1,1000,EUR,Proposal,2027-03-01\n"      # open: rate on the as-of date, 1.20
        "F2,R1,1000,EUR,Closed Won,2026-09-15\n"    # closed: rate on its close date, 1.10
        "F3,R1,1000,usd,Proposal,2026-12-15\n"      # reporting currency, any case
        "F4,R1,1000,GBP,Proposal,2026-12-15\n",     # no rate at all
        encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert (result.status, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects", 3, 1)
    assert result.rejects[["line_number", "column_name", "value", "reason"]].values.tolist() == [
        [5, "currency", "GBP", "no GBP->USD rate on or before 2026-11-20"]]
    rows = con.execute("select opportunity_id, amount, amount_original, currency "
                       "from opportunities order by 1").fetchall()
    assert rows == [("F1", pytest.approx(1200.0), 1000.0, "EUR"),
                    ("F2", pytest.approx(1100.0), 1000.0, "EUR"),
                    ("F3", 1000.0, 1000.0, "USD")]
    assert ("2 deals in EUR were converted to USD with the rate in effect on the close date "
            "(open deals: on 2026-11-20)") in result.assumptions


def test_blank_amounts_count_as_zero_and_say_so(con, tmp_path):
    base(con)
    path = tmp_path / "blank_amount.csv"
    path.write_text("opportunity_id,owner_id,amount,stage_name,close_date\n"
                    "Z1,R1,,Proposal,2026-12-01\nZ2,R2,5,Proposal,2026-12-01\n",
                    encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert result.status == "loaded"
    assert "1 deal had no amount: counted as 0" in result.assumptions
    assert one(con, "select sum(amount), count(*) from opportunities") == (5.0, 2)


def test_import_log_stores_the_assumptions_as_json(con):
    base(con)
    result = importing.import_file(con, FIXTURES / "opportunities_latin1_semicolon.csv",
                                   as_of=AS_OF)
    stored = one(con, "select assumptions from imports where import_id = $id",
                 {"id": result.import_id})[0]
    assert json.loads(stored) == result.assumptions
    assert result.assumptions == [
        "opportunities_latin1_semicolon.csv was read as Opportunities (canonical CSV) "
        "(Windows-1252 / Latin-1 text, semicolon-separated)"]


def test_progress_is_reported_from_zero_to_one(con):
    base(con)
    seen = []
    importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF,
                          progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert seen[-1][1] == "Import finished"
