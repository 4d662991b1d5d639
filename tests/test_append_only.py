"""History cannot be rewritten: snapshots, calls, adjustments, reporting lines and quotas are
append-only, and every path that would change them in place fails loudly.

Three layers are tested: the SQL guard (each protected table x each kind of rewrite), a scan
of every SQL text in the library (none rewrites a protected table), and the library paths
that would rewrite history by adding rows (each raises a plain sentence and writes nothing).
"""

from __future__ import annotations

import ast
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pytest

from forecast import append_only, backup, calls, db, history, importing, queries
from forecast.append_only import PROTECTED, HistoryError
from forecast.demo import build_demo
from forecast.importing import load
from forecast.whatif import scenarios
from forecast.whatif.levers import Levers

import tiny_company

SRC = Path(__file__).resolve().parents[1] / "src" / "forecast"
AS_OF = date(2026, 11, 20)

# one statement per kind of in-place change, for any protected table
REWRITES = {
    "update": "update {t} set {c} = {c}",
    "update (aliased, from)": "update {t} x set {c} = y.{c} from {t} y where true",
    "delete": "delete from {t} where true",
    "truncate": "truncate {t}",
    "insert or replace": "insert or replace into {t} select * from {t}",
    "on conflict do update": "insert into {t} select * from {t} on conflict do update set "
                             "{c} = excluded.{c}",
    "merge": "merge into {t} using {t} s on false when matched then delete",
    "drop": "drop table {t}",
    "create or replace": "create or replace table {t} as select 1 as x",
    "alter": "alter table {t} drop column {c}",
    "second statement": "select 1; delete from {t}",
    "qualified name": "delete from main.\"{t}\"",
}
# a column of each table other than snapshots.deal_count (the one allowed update)
COLUMN = {"opportunity_snapshots": "amount", "snapshots": "source", "submissions": "note",
          "adjustments": "note", "reporting_lines": "manager_id", "quotas": "amount",
          "whatif_scenarios": "name"}


@pytest.fixture
def store(con):
    tiny_company.load(con)
    tiny_company.load_calls(con)
    return con


# ---------------------------------------------------------------- the guard


@pytest.mark.parametrize("table", sorted(PROTECTED))
@pytest.mark.parametrize("kind", sorted(REWRITES))
def test_the_guard_refuses_every_in_place_change(table, kind):
    sql = REWRITES[kind].format(t=table, c=COLUMN[table])
    with pytest.raises(HistoryError, match=f"History is never rewritten: .* {table} "):
        append_only.check(sql)


@pytest.mark.parametrize("table", sorted(PROTECTED))
def test_the_guard_lets_history_grow(table):
    growing = [f"insert into {table} select * from {table}",
               f"insert or ignore into {table} select * from {table}",
               f"alter table {table} add column extra varchar",
               f"select * from {table}"]
    for sql in growing:
        assert [w for w in append_only.writes(sql) if w.rewrites_history] == [], sql
        append_only.check(sql)  # raises HistoryError if it were refused


def test_the_guard_reads_sql_not_values():
    # values that look like SQL are data: only the statement's own words count
    append_only.check("insert into submissions (note) values ('x''); delete from quotas; --')")
    append_only.check("update people set name = 'update quotas set amount = 0'")
    append_only.check("-- delete from submissions\nselect 1")
    # the one in-place change allowed: a snapshot's tally of deals
    append_only.check("update snapshots set deal_count = 3 where snapshot_date = $d")
    with pytest.raises(HistoryError):
        append_only.check("update snapshots set deal_count = 3, source = 'x'")


@pytest.mark.parametrize("table", sorted(PROTECTED))
@pytest.mark.parametrize("statement", ["update {t} set {c} = null", "delete from {t}"])
def test_the_importers_executor_refuses_and_writes_nothing(store, table, statement):
    before = backup.fingerprints(store)
    with pytest.raises(HistoryError):
        load.rows(store, statement.format(t=table, c=COLUMN[table]))
    assert backup.fingerprints(store) == before


def test_a_named_query_that_would_rewrite_history_cannot_even_be_loaded(tmp_path, monkeypatch):
    folder = tmp_path / "sql" / "queries"
    folder.mkdir(parents=True)
    (folder / "sneaky.sql").write_text("delete from submissions where person_id = $p")
    monkeypatch.setattr(queries.resources, "files", lambda package: tmp_path)
    queries.sql.cache_clear()
    try:
        with pytest.raises(HistoryError, match="deleting from submissions"):
            queries.sql("sneaky")
    finally:
        queries.sql.cache_clear()


# ---------------------------------------------------------------- the library's own SQL


def _library_sql() -> list[tuple[str, str]]:
    """(where, text) for every .sql file and every string literal in the library's Python
    (f-strings with their placeholders blanked), so no statement escapes the scan."""
    found = [(str(p.relative_to(SRC)), p.read_text("utf-8")) for p in SRC.rglob("*.sql")]
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((f"{path.relative_to(SRC)}:{node.lineno}", node.value))
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "x"
                               for v in node.values)
                found.append((f"{path.relative_to(SRC)}:{node.lineno}", text))
    return found


def test_no_sql_in_the_library_rewrites_history():
    offenders = [(where, w) for where, text in _library_sql()
                 for w in append_only.writes(text) if w.rewrites_history]
    assert offenders == []


def test_the_scan_sees_the_writes_it_must_see():
    """Not vacuous: the scan finds the statements that add to each protected table, the
    one allowed tally update, and the in-place updates of tables that are not history."""
    writes = {(w.kind, w.table) for _, text in _library_sql()
              for w in append_only.writes(text)}
    for table in PROTECTED:
        assert ("insert", table) in writes, table
    assert ("update", "snapshots") in writes          # deal_count only
    assert ("update", "opportunities") in writes      # live state: not history
    assert ("delete", "stage_events") in writes       # guessed stage dates replaced


def test_the_packaged_queries_pass_the_guard():
    names = [p.name[:-4] for p in (resources.files("forecast") / "sql" / "queries").iterdir()
             if p.name.endswith(".sql")]
    assert len(names) > 20
    for name in names:
        queries.sql(name)


# ---------------------------------------------------------------- paths that add rows


def test_retaking_a_snapshot_with_other_data_fails_and_writes_nothing(store):
    assert history.take_snapshot(store, AS_OF) == 6   # D2 D3 D4 D6 D7 D8 (test_store.py)
    assert history.take_snapshot(store, AS_OF) == 0   # the same data again: nothing to add
    store.execute("update opportunities set amount = 999 where opportunity_id in ('D2', 'D7')")
    before = backup.fingerprints(store)
    with pytest.raises(HistoryError, match=r"snapshot of 2026-11-20 already records 2 deal"
                                           r"\(s\) with other values than the live data "
                                           r"\(D2, D7\)"):
        history.take_snapshot(store, AS_OF)
    assert backup.fingerprints(store) == before
    # a later date records the new values beside the old ones
    assert history.take_snapshot(store, date(2026, 11, 27)) == 6
    amounts = store.execute("select snapshot_date, amount from opportunity_snapshots "
                            "where opportunity_id = 'D2' order by 1").fetchall()
    assert amounts == [(date(2026, 10, 30), 200), (date(2026, 11, 13), 200), (AS_OF, 200),
                       (date(2026, 11, 27), 999)]


def test_a_snapshot_dated_before_the_live_data_is_refused(store):
    before = backup.fingerprints(store)
    with pytest.raises(HistoryError, match="live deals speak for 2026-11-20"):
        history.take_snapshot(store, date(2026, 11, 13))
    assert backup.fingerprints(store) == before


FIXTURES = Path(__file__).parent / "fixtures" / "import"


def test_an_import_that_would_change_a_recorded_snapshot_fails_and_changes_nothing(con,
                                                                                  tmp_path):
    for name in ("stages.csv", "people.csv", "opportunities.csv"):
        assert importing.import_file(con, FIXTURES / name, as_of=AS_OF).status == "loaded"
    before = backup.fingerprints(con)
    # the same export for the same day with D1 at 1234: the snapshot of 2026-11-20 already
    # records D1 at 1000
    path = tmp_path / "opportunities_fixed.csv"
    path.write_text((FIXTURES / "opportunities.csv").read_text("utf-8").replace(
        "D1,Acme renewal,Acme,R1,1000,", "D1,Acme renewal,Acme,R1,1234,"), encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert (result.status, result.rows_in, result.rows_loaded) == ("failed", 4, 0)
    assert result.message == ("The snapshot of 2026-11-20 already records 1 of these deals "
                              "with other values ('D1'), and history is never rewritten. If "
                              "this export is newer than 2026-11-20, import it with the later "
                              "date it speaks for.")
    after = backup.fingerprints(con)
    assert {t: v for t, v in after.items() if t != "imports"} == {
        t: v for t, v in before.items() if t != "imports"}
    assert after["imports"][0] == before["imports"][0] + 1  # only the failure is logged
    # with the date it speaks for, the same file adds history
    later = importing.import_file(con, path, as_of=date(2026, 11, 27))
    assert later.status == "loaded"


def test_an_older_export_only_adds_a_date_that_has_no_snapshot(con):
    for name in ("stages.csv", "people.csv"):
        importing.import_file(con, FIXTURES / name, as_of=AS_OF)
    importing.import_file(con, FIXTURES / "opportunities_v2.csv", as_of=date(2026, 11, 27))
    newer = con.execute("select * from opportunity_snapshots order by 1, 2").fetchall()
    result = importing.import_file(con, FIXTURES / "opportunities.csv", as_of=AS_OF)
    assert result.status == "loaded"
    rows = con.execute("select * from opportunity_snapshots order by 1, 2").fetchall()
    assert [r for r in rows if r[0] != AS_OF] == newer  # the newer history is untouched


def test_a_call_dated_before_the_latest_one_is_refused(store):
    # R1's latest 2026-Q4 call was made 2026-11-20 10:00 (tiny_company.CALLS)
    before = backup.fingerprints(store)
    with pytest.raises(calls.CallError, match="latest call of 'R1' for 2026-Q4 was recorded at "
                                              "2026-11-20 10:00; one dated 2026-11-13 09:00"):
        calls.submit_call(store, "R1", "2026-Q4", 1, 2, "", "R1", datetime(2026, 11, 13, 9))
    assert backup.fingerprints(store) == before
    # the same moment or later is a new call; another period is independent
    calls.submit_call(store, "R1", "2026-Q4", 1, 2, "", "R1", datetime(2026, 11, 20, 10))
    calls.submit_call(store, "R1", "2027-Q1", 1, 2, "", "R1", datetime(2026, 11, 1, 9))


def test_an_adjustment_dated_before_the_latest_one_is_refused(store):
    # M2 adjusted R3's call on 2026-11-19 09:00 and 2026-11-20 13:00 (tiny_company)
    before = backup.fingerprints(store)
    with pytest.raises(calls.CallError, match="latest adjustment of the call of 'R3' for "
                                              "2026-Q4 was recorded at 2026-11-20 13:00"):
        calls.adjust_call(store, "M2", "R3", "2026-Q4", 1, 2, "", "M2",
                          datetime(2026, 11, 20, 12))
    assert backup.fingerprints(store) == before


def test_a_reporting_line_cannot_be_changed_on_a_date_that_has_one(store, tmp_path):
    # R2 reports to M2 from 2026-11-01; a file saying M1 for the same date is turned away
    path = tmp_path / "people.csv"
    path.write_text("person_id,name,manager_id,effective_date\nR2,Rae Rep,M1,2026-11-01\n")
    before = store.execute("select * from reporting_lines order by all").fetchall()
    result = importing.import_file(store, path, as_of=AS_OF)
    assert (result.status, result.rows_rejected) == ("failed", 1)
    assert result.rejects.reason.tolist() == [
        "already has a reporting line on 2026-11-01 (manager 'M2'); use a later "
        "effective_date to change it"]
    assert store.execute("select * from reporting_lines order by all").fetchall() == before


def test_saving_a_scenario_again_adds_a_version_and_keeps_the_first(store):
    first = scenarios.save(store, "Stretch", Levers(win_rate_pts=5), "V",
                           datetime(2026, 11, 20, 9))
    before = store.execute("select * from whatif_scenarios").fetchall()
    second = scenarios.save(store, "Stretch", Levers(win_rate_pts=8), "V",
                            datetime(2026, 11, 20, 10))
    assert (first, second) == (1, 2)
    assert store.execute("select * from whatif_scenarios where version = 1").fetchall() == before


def test_a_quota_cannot_be_changed_on_a_date_that_has_one(store, tmp_path):
    # R1's 2026-Q4 quota is 800 from 2026-09-25 and 900 from 2026-11-10 (tiny_company)
    path = tmp_path / "quotas.csv"
    path.write_text("person_id,period_id,amount,effective_date\nR1,2026-Q4,950,2026-11-10\n")
    before = store.execute("select * from quotas order by all").fetchall()
    result = importing.import_file(store, path, as_of=AS_OF)
    assert (result.status, result.rows_rejected) == ("failed", 1)
    assert result.rejects.reason.str.startswith("already has a quota of 900.00 from "
                                                "2026-11-10").tolist() == [True]
    assert store.execute("select * from quotas order by all").fetchall() == before


@pytest.mark.parametrize("table", sorted(PROTECTED))
def test_the_demo_will_not_replace_a_store_holding_any_history(table):
    con = db.connect(":memory:")
    tiny_company.load(con)
    tiny_company.load_calls(con)
    scenarios.save(con, "Stretch", Levers(win_rate_pts=5), "V", datetime(2026, 11, 20, 9))
    for other in PROTECTED:  # keep only `table`'s history
        if other != table and other in backup.tables(con):
            con.execute(f"delete from {other}")
    before = backup.fingerprints(con)
    with pytest.raises(HistoryError, match=f"holds history \\({table}\\)"):
        build_demo(con, replace=True, reps=12, quarters=3)
    assert backup.fingerprints(con) == before
    con.close()
