"""People and reporting lines, quotas, leads, stages, and the downloadable templates."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pytest

from forecast import importing

FIXTURES = Path(__file__).parent / "fixtures" / "import"
AS_OF = date(2026, 11, 20)


def rows(con, sql: str, params: dict | None = None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


def imp(con, name: str, **kwargs):
    return importing.import_file(con, FIXTURES / name, as_of=kwargs.pop("as_of", AS_OF),
                                 **kwargs)


def test_people_build_the_hierarchy(con):
    result = imp(con, "people.csv")
    assert (result.status, result.rows_loaded) == ("loaded", 4)
    assert result.message == ("All 4 rows loaded: 4 people loaded (4 new, 0 updated); "
                              "4 reporting lines added.")
    assert rows(con, "select person_id, manager_id from lines_as_of(date '2026-06-01') "
                     "order by 1") == [("M1", "V"), ("R1", "M1"), ("R2", "M1"), ("V", None)]
    assert rows(con, "select count(*) from team_members('V', date '2026-06-01')") == [(4,)]
    assert rows(con, "select count(*) from lines_as_of(date '2025-12-31')") == [(0,)]


def test_people_import_twice_adds_nothing_and_a_move_is_a_new_line(con, tmp_path):
    imp(con, "people.csv")
    copy = tmp_path / "people_again.csv"
    copy.write_text((FIXTURES / "people.csv").read_text() + "\n", encoding="utf-8")
    again = importing.import_file(con, copy, as_of=AS_OF)
    assert again.message == ("All 4 rows loaded: 4 people loaded (0 new, 0 updated); "
                             "0 reporting lines added.")
    move = tmp_path / "move.csv"
    move.write_text("person_id,name,manager_id,effective_date\n"
                    "M2,Mia Moss,V,2026-03-01\nR2,Rae Ross,M2,2026-03-01\n", encoding="utf-8")
    moved = importing.import_file(con, move, as_of=AS_OF)
    assert moved.status == "loaded"
    assert rows(con, "select manager_id from lines_as_of(date '2026-02-28') where person_id = "
                     "'R2'") == [("M1",)]
    assert rows(con, "select manager_id from lines_as_of(date '2026-03-01') where person_id = "
                     "'R2'") == [("M2",)]
    # name kept, email kept (the file has no email column)
    assert rows(con, "select name, email from people where person_id = 'R2'") == [
        ("Rae Ross", "rae@example.com")]


def test_a_reporting_line_that_makes_a_cycle_is_rejected(con):
    imp(con, "people.csv")
    result = imp(con, "people_cycle.csv")
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects", 6, 1, 5)
    assert result.rejects[["line_number", "column_name", "value", "reason"]].values.tolist() == [
        [2, "manager_id", "X2", "reporting line makes a cycle: X1 -> X2 -> X3 -> X1"],
        [3, "manager_id", "X3", "reporting line makes a cycle: X2 -> X3 -> X1 -> X2"],
        [4, "manager_id", "X1", "reporting line makes a cycle: X3 -> X1 -> X2 -> X3"],
        [5, "manager_id", "X1", "manager 'X1' was rejected (line 2)"],
        [6, "manager_id", "NOBODY",
         "manager 'NOBODY' is not in the file or among the people already loaded"],
    ]
    assert rows(con, "select person_id from people where person_id like 'X%'") == [("X6",)]


def test_a_line_that_closes_a_cycle_with_the_stored_hierarchy_is_rejected(con):
    imp(con, "people.csv")
    before = rows(con, "select * from reporting_lines order by 1, 3")
    result = imp(con, "people_store_cycle.csv")
    assert result.status == "failed"
    assert result.rejects["reason"].tolist() == [
        "reporting line makes a cycle: V -> R1 -> M1 -> V"]
    assert rows(con, "select * from reporting_lines order by 1, 3") == before


def test_self_manager_duplicates_and_clashing_dates(con, tmp_path):
    imp(con, "people.csv")
    path = tmp_path / "people_bad.csv"
    path.write_text("person_id,name,manager_id,effective_date\n"
                    "S1,Self Sam,S1,2026-02-01\n"
                    "S2,Sue Two,V,2026-02-01\n"
                    "S2,Sue Again,M1,2026-02-01\n"
                    "R1,Rob Reyes,V,2026-01-01\n"
                    ",No Id,V,2026-02-01\n", encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert result.rejects[["line_number", "reason"]].values.tolist() == [
        [2, "reporting line makes a cycle: S1 reports to themself"],
        [4, "duplicates person 'S2' on line 3"],
        [5, "already has a reporting line on 2026-01-01 (manager 'M1'); use a later "
            "effective_date to change it"],
        [6, "missing person id"],
    ]
    assert (result.rows_loaded, result.rows_rejected) == (1, 4)


def test_people_without_effective_date_hold_from_the_beginning_then_from_as_of(con, tmp_path):
    path = tmp_path / "no_dates.csv"
    path.write_text("person_id,name,manager_id\nB1,Boss,\nW1,Worker,B1\n", encoding="utf-8")
    first = importing.import_file(con, path, as_of=AS_OF)
    assert ("2 first reporting lines had no effective date: taken to hold from the beginning "
            "(1900-01-01), so past views show these people too") in first.assumptions
    path.write_text("person_id,name,manager_id\nB2,Boss Two,\nW1,Worker,B2\n",
                    encoding="utf-8")
    second = importing.import_file(con, path, as_of=AS_OF)
    assert "1 reporting line without an effective date take effect on the as-of date " \
           "2026-11-20" in second.assumptions
    assert rows(con, "select person_id, manager_id, effective_date from reporting_lines "
                     "order by 1, 3") == [
        ("B1", None, date(1900, 1, 1)), ("B2", None, date(1900, 1, 1)),
        ("W1", "B1", date(1900, 1, 1)), ("W1", "B2", AS_OF)]


def test_quotas(con):
    imp(con, "people.csv")
    result = imp(con, "quotas.csv")
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    # 50000 + 40000 + 100000
    assert rows(con, "select sum(amount), count(*) from quotas") == [(190000.0, 3)]
    bad = imp(con, "quotas_bad.csv")
    assert (bad.status, bad.rows_loaded, bad.rows_rejected) == ("loaded_with_rejects", 1, 3)
    assert bad.rejects[["line_number", "column_name", "value", "reason"]].values.tolist() == [
        [3, "person_id", "R9", "person 'R9' is not among the people loaded (import people "
                               "first)"],
        [4, "period_id", "2026-Q5", "period '2026-Q5' is not a fiscal period: a quarter is "
                                    "Q1 to Q4"],
        [5, "amount", "-5", "amount is negative"],
    ]
    assert rows(con, "select sum(amount), count(*) from quotas") == [(190000.0, 3)]


def test_a_changed_quota_needs_a_later_date(con, tmp_path):
    imp(con, "people.csv")
    imp(con, "quotas.csv")
    path = tmp_path / "quota_change.csv"
    path.write_text("person_id,period_id,amount,effective_date\n"
                    "R1,2026-Q4,55000,2026-09-25\nR1,2026-Q4,60000,2026-11-10\n",
                    encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert result.rejects[["line_number", "reason"]].values.tolist() == [
        [2, "already has a quota of 50,000.00 from 2026-09-25; use a later effective_date to "
            "change it"]]
    assert rows(con, "select amount from quotas_as_of(date '2026-11-20') where person_id = "
                     "'R1'") == [(60000.0,)]


def test_leads(con):
    imp(con, "people.csv")
    result = imp(con, "leads.csv")
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert rows(con, "select lead_id, owner_id, deal_type, created_at, mql_at, "
                     "first_response_minutes, demo_no_show, touches, disqualified_reason "
                     "from leads order by 1") == [
        ("L1", "R1", "new", datetime(2026, 10, 1, 9), datetime(2026, 10, 2, 10), 4.0, None,
         3, None),
        ("L2", "R2", "existing", datetime(2026, 10, 5, 14), datetime(2026, 10, 6, 9), 1200.0,
         True, 6, "No budget"),
        ("L3", None, None, datetime(2026, 10, 7, 8), None, None, None, None, None)]
    before = rows(con, "select * from leads order by 1")
    copy = FIXTURES / "leads.csv"
    assert importing.import_file(con, copy, as_of=AS_OF).status == "unchanged"
    assert rows(con, "select * from leads order by 1") == before


def test_bad_leads(con, tmp_path):
    imp(con, "people.csv")
    path = tmp_path / "leads_bad.csv"
    path.write_text("lead_id,owner_id,created_at,touches,demo_no_show\n"
                    "A,R1,2026-10-01 09:00:00,2,false\n"
                    "B,ZZ,2026-10-01 09:00:00,,\n"
                    "C,R1,,1,\n"
                    "D,R1,2026-10-01,1.5,maybe\n", encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert result.rejects[["line_number", "column_name", "reason"]].values.tolist() == [
        [3, "owner_id", "owner 'ZZ' is not among the people loaded (import people first)"],
        [4, "created_at", "missing created_at"],
        [5, "touches", "touches must be a whole number"],
        [5, "demo_no_show", "demo_no_show must be true/false or 1/0"],
    ]
    assert (result.rows_loaded, result.rows_rejected) == (1, 3)


def test_stages(con, tmp_path):
    result = imp(con, "stages.csv")
    assert rows(con, "select * from stages order by stage_order") == [
        ("Prospecting", 1, 10.0, "Pipeline", False, False),
        ("Proposal", 2, 50.0, "Best Case", False, False),
        ("Negotiation", 3, 80.0, "Commit", False, False),
        ("Closed Won", 4, 100.0, "Closed", True, True),
        ("Closed Lost", 5, 0.0, "Omitted", True, False)]
    assert result.rows_loaded == 5
    path = tmp_path / "stages_bad.csv"
    path.write_text("stage_name,probability,forecast_category,is_closed,is_won\n"
                    "Proposal,55,Best Case,false,false\n"
                    "Weird,150,Pipeline,false,false\n"
                    "Odd,10,Maybe,false,false\n"
                    "Won Open,100,Closed,false,true\n", encoding="utf-8")
    bad = importing.import_file(con, path, as_of=AS_OF)
    assert bad.rejects[["line_number", "reason"]].values.tolist() == [
        [3, "probability must be between 0 and 100"],
        [4, "forecast_category must be Pipeline, Best Case, Commit, Closed or Omitted"],
        [5, "a won stage must also be closed (is_closed = true)"]]
    # Proposal updated; with no stage_order in the file it keeps its place
    assert rows(con, "select probability, stage_order from stages where stage_name = "
                     "'Proposal'") == [(55.0, 2)]


TEMPLATE_ORDER = ["stages", "people", "quotas", "opportunities", "leads"]


def test_every_template_imports_cleanly_in_order(con):
    folder = resources.files("forecast") / "templates"
    counts = {}
    for kind in TEMPLATE_ORDER:
        with resources.as_file(folder / f"{kind}.csv") as path:
            assert importing.detect_format(path).kind == kind
            result = importing.import_file(con, path, as_of=AS_OF)
        assert (result.status, result.rows_rejected) == ("loaded", 0), result.message
        counts[kind] = result.rows_loaded
    assert counts == {"stages": 5, "people": 3, "quotas": 3, "opportunities": 3, "leads": 2}
    # 25000 + 40000 + 8000
    assert rows(con, "select sum(amount) from opportunities") == [(73000.0,)]


@pytest.mark.parametrize(("kind", "left_out"), [
    ("stages", set()), ("people", {"is_active"}), ("quotas", set()),
    ("opportunities", set()), ("leads", set())])
def test_templates_show_the_columns_of_their_format(kind, left_out):
    path = resources.files("forecast") / "templates" / f"{kind}.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert set(importing.FORMATS[kind].fields) - set(header) == left_out
    assert set(header) <= set(importing.FORMATS[kind].fields)
