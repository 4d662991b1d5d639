"""The Maven Analytics CRM sample shipped in data/samples/maven_crm (8,800 deals)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from forecast import importing

MAVEN = Path(__file__).resolve().parents[1] / "data" / "samples" / "maven_crm"
pytestmark = pytest.mark.skipif(not MAVEN.is_dir(), reason="Maven sample not available")


def rows(con, sql: str, params: dict | None = None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


@pytest.fixture
def maven(con):
    return con, importing.import_maven(con, MAVEN)


def test_all_8800_deals_load(maven):
    con, result = maven
    assert (result.status, result.kind, result.rows_in, result.rows_loaded,
            result.rows_rejected) == ("loaded", "maven_crm", 8800, 8800, 0)
    assert result.rejects.empty
    assert rows(con, "select stage_name, count(*) from opportunities group by 1 order by 1"
                ) == [("Engaging", 1589), ("Lost", 2473), ("Prospecting", 500), ("Won", 4238)]


def test_amounts_follow_the_documented_rules(maven):
    con, _ = maven
    # won: their close_value, 10,005,534 in all; lost: list price (close_value is 0),
    # 5,946,468; open: list price, 3,892,229 (Engaging) + 1,073,986 (Prospecting)
    assert rows(con, "select stage_name, sum(amount) from opportunities group by 1 order by 1"
                ) == [("Engaging", 3892229.0), ("Lost", 5946468.0),
                      ("Prospecting", 1073986.0), ("Won", 10005534.0)]
    # GTXPro (spelled 'GTX Pro' in products.csv) open deals carry GTX Pro's price, 4,821
    assert rows(con, "select amount, close_date, created_date, account_name from "
                     "opportunities where opportunity_id = 'OLVI7L8M'") == [
        (4821.0, date(2018, 3, 31), date(2016, 11, 16), None)]
    assert rows(con, "select count(*) from opportunities where amount = 0") == [(0,)]


def test_dates_created_and_closed(maven):
    con, result = maven
    # the as-of date defaults to the day after the last date in the data (2017-12-31)
    assert rows(con, "select value from settings where key = 'data_as_of'") == [
        ("2018-01-01",)]
    assert rows(con, "select close_date, count(*) from opportunities where not is_closed "
                     "group by 1") == [(date(2018, 3, 31), 2089)]
    assert rows(con, "select count(*) from opportunities where created_date is null") == [
        (500,)]
    assert rows(con, "select min(created_date), max(close_date) from opportunities "
                     "where is_closed") == [(date(2016, 10, 20), date(2017, 12, 31))]
    assert rows(con, "select count(*) from opportunities where account_name is null") == [
        (1425,)]
    # Acme Corporation's sector is spelled 'technolgy' in accounts.csv
    assert rows(con, "select segment, count(*) from opportunities where account_name = "
                     "'Acme Corporation' group by 1") == [("technology", 68)]


def test_hierarchy_agents_managers_offices_and_top(maven):
    con, _ = maven
    assert rows(con, "select title, count(*) from people group by 1 order by 1") == [
        ("Company", 1), ("Manager", 6), ("Regional office", 3), ("Sales agent", 35)]
    day = date(2017, 6, 30)
    assert rows(con, "select count(*) from team_members('all-regions', $d)", {"d": day}) == [
        (45,)]
    assert rows(con, "select manager_id from lines_as_of($d) where person_id = "
                     "'anna-snelling'", {"d": day}) == [("dustin-brinkmann",)]
    assert rows(con, "select manager_id from lines_as_of($d) where person_id = "
                     "'dustin-brinkmann'", {"d": day}) == [("office-central",)]
    assert rows(con, "select count(distinct owner_id) from opportunities") == [(30,)]
    assert rows(con, "select count(*) from opportunities where owner_id not in "
                     "(select person_id from people where title = 'Sales agent')") == [(0,)]


def test_stages_snapshot_and_stage_events(maven):
    con, _ = maven
    assert rows(con, "select stage_name, probability, forecast_category, is_closed, is_won "
                     "from stages order by stage_order") == [
        ("Prospecting", 10.0, "Pipeline", False, False),
        ("Engaging", 50.0, "Best Case", False, False),
        ("Won", 100.0, "Closed", True, True),
        ("Lost", 0.0, "Omitted", True, False)]
    assert rows(con, "select snapshot_date, deal_count from snapshots") == [
        (date(2018, 1, 1), 8800)]
    # every deal's current stage (8,800) + Engaging on the engage date for the 6,711 closed
    assert rows(con, "select count(*) from stage_events") == [(15511,)]
    assert rows(con, "select stage_entered_date from opportunities where opportunity_id = "
                     "'1C1I7A6R'") == [(date(2017, 3, 1),)]


def test_assumptions_say_what_was_filled_in(maven):
    _, result = maven
    said = "\n".join(result.assumptions)
    for expected in [
        "2,089 open deals have no value: their amount is the product's list price from "
        "products.csv",
        "2,473 lost deals carried close value 0: their amount is the product's list price",
        "2,089 open deals have no close date: set to 2018-03-31, the end of the as-of date's "
        "quarter",
        "the sample has no created date: the engage date is used instead (8,300 deals; "
        "Prospecting deals have none)",
        "the sample has no probability or forecast category: the deals use stage defaults "
        "created for it: Prospecting 10 % Pipeline, Engaging 50 % Best Case, Won 100 % "
        "Closed, Lost 0 % Omitted",
        "data quality: product 'GTXPro' (1,480 deals) is spelled 'GTX Pro' in products.csv",
        "data quality: accounts.csv has 'technolgy' in sector (12 accounts), a typo for "
        "'technology'",
        "data quality: accounts.csv has 'Philipines' in office_location (1 account), a typo "
        "for 'Philippines'",
        "1,425 deals have no account: loaded without one",
        "5 agents own no deals",
        "the sample is taken to speak for 2018-01-01",
    ]:
        assert expected in said


def test_importing_the_sample_twice_changes_nothing(maven):
    con, first = maven
    tables = ["opportunities", "opportunity_snapshots", "people", "reporting_lines",
              "stage_events", "stages", "snapshots"]
    before = {t: rows(con, f"select count(*) from {t}") for t in tables}
    again = importing.import_maven(con, MAVEN)
    assert again.status == "unchanged"
    assert first.import_id in again.message
    assert {t: rows(con, f"select count(*) from {t}") for t in tables} == before


def test_an_explicit_as_of_date_sets_the_open_close_dates(con):
    result = importing.import_maven(con, MAVEN, as_of=date(2017, 11, 15))
    assert result.rows_loaded == 8800
    assert rows(con, "select distinct close_date from opportunities where not is_closed") == [
        (date(2017, 12, 31),)]
    assert not any("taken to speak for" in a for a in result.assumptions)


def test_a_folder_without_the_sample_files_fails(con, tmp_path):
    shutil.copy(MAVEN / "sales_pipeline.csv", tmp_path / "sales_pipeline.csv")
    result = importing.import_maven(con, tmp_path)
    assert result.status == "failed"
    assert result.message == (f"{tmp_path} is not the Maven CRM sample: it has no "
                              "sales_teams.csv, products.csv, accounts.csv.")
    assert rows(con, "select count(*) from opportunities") == [(0,)]
