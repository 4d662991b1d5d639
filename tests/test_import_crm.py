"""Salesforce (report labels, API data export, users, roles, OpportunityHistory) and HubSpot."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from forecast import importing

FIXTURES = Path(__file__).parent / "fixtures" / "import"
AS_OF = date(2026, 11, 20)
EXEC, DIRECTOR, CRO, FORMER = ("005000000000000003", "005000000000000002",
                               "005000000000000001", "005000000000000004")


def load(con, *names: str, as_of: date = AS_OF) -> list:
    results = [importing.import_file(con, FIXTURES / n, as_of=as_of) for n in names]
    for r in results:
        assert r.status in ("loaded", "loaded_with_rejects"), r.message
    return results


def rows(con, sql: str, params: dict | None = None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


# ---------------------------------------------------------------- Salesforce report labels


def test_salesforce_report_labels(con):
    load(con, "stages.csv", "people.csv")
    con.execute("insert into currency_rates values ('EUR', 1.1, date '2026-01-01')")
    result = importing.import_file(con, FIXTURES / "salesforce_report.csv", as_of=AS_OF)
    assert result.kind == "salesforce_opportunities"
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects", 4, 3, 1)
    assert result.rejects[["line_number", "column_name", "value", "reason"]].values.tolist() == [
        [5, "Opportunity Currency", "GBP", "no GBP->USD rate on or before 2026-11-20"]]
    assert rows(con, "select opportunity_id, owner_id, amount, amount_original, currency, "
                     "close_date, created_date, forecast_category, deal_type, lead_source "
                     "from opportunities order by 1") == [
        ("sf-acme-acme-200-units", "sam-seller", 10000.0, 10000.0, "USD",
         date(2026, 12, 15), date(2026, 10, 1), "Commit", "new", "Web"),
        ("sf-beta-beta-upgrade", "sam-seller", pytest.approx(5500.0), 5000.0, "EUR",
         date(2026, 12, 20), date(2026, 10, 5), "Best Case", "existing", "Partner"),
        ("sf-gamma-gamma-pilot", "R1", 2000.0, 2000.0, "USD",
         date(2026, 11, 3), date(2026, 9, 1), "Closed", "new", "Event"),
    ]
    # 10000 + 5000 x 1.1 + 2000
    assert rows(con, "select sum(amount) from opportunities") == [(pytest.approx(17500.0),)]
    # the owner known by name is matched; the other is created from the name
    assert rows(con, "select person_id, name from people where person_id = 'sam-seller'") == [
        ("sam-seller", "Sam Seller")]
    assert ("1 deal owner was not among the people loaded and was created from the owner "
            "name ('Sam Seller'); they have no manager until a people file places them"
            ) in result.assumptions
    assert "dates like '12/15/2026' were read as month/day/year" in result.assumptions
    assert any("no Opportunity ID column" in a for a in result.assumptions)


def test_salesforce_report_rejects_an_owner_only_when_the_name_is_blank(con, tmp_path):
    load(con, "stages.csv")
    path = tmp_path / "report.csv"
    path.write_text('"Opportunity Owner","Opportunity Name","Stage","Amount","Close Date"\n'
                    '"","Nameless","Proposal","10","2026-12-01"\n'
                    '"Una Owner","Named","Proposal","20","2026-12-01"\n', encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert result.rejects[["line_number", "column_name", "reason"]].values.tolist() == [
        [2, "Opportunity Owner", "missing owner"]]
    assert rows(con, "select owner_id, amount from opportunities") == [("una-owner", 20.0)]


# ---------------------------------------------------------------- Salesforce API exports


def test_salesforce_roles_then_users_build_the_hierarchy(con):
    roles, users = load(con, "salesforce_roles.csv", "salesforce_users.csv")
    assert (roles.rows_loaded, users.rows_loaded) == (3, 4)
    assert rows(con, "select person_id, manager_id, effective_date, is_active "
                     "from reporting_lines order by 1") == [
        (CRO, "role-00E000000000000001", date(1900, 1, 1), True),
        (DIRECTOR, CRO, date(1900, 1, 1), True),
        (EXEC, DIRECTOR, date(1900, 1, 1), True),
        (FORMER, DIRECTOR, date(1900, 1, 1), False),
        ("role-00E000000000000001", None, date(1900, 1, 1), True),
        ("role-00E000000000000002", "role-00E000000000000001", date(1900, 1, 1), True),
        ("role-00E000000000000003", "role-00E000000000000002", date(1900, 1, 1), True),
    ]
    assert rows(con, "select name, title from people where person_id = $p", {"p": EXEC}) == [
        ("Erin Eng", "Account Executive")]
    assert "1 user had no manager: placed under their Salesforce role's node" in (
        users.assumptions)


def test_salesforce_users_reject_an_unknown_manager(con, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text('"Id","Name","ManagerId"\n"U1","Una","000000000000000AAA"\n'
                    '"U2","Dos","U9"\n', encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert result.kind == "salesforce_users"
    assert result.rejects[["line_number", "value", "reason"]].values.tolist() == [
        [3, "U9", "manager 'U9' is not in the file or among the people already loaded"]]


def test_salesforce_api_export(con):
    load(con, "stages.csv", "salesforce_users.csv")
    result = importing.import_file(con, FIXTURES / "salesforce_api.csv", as_of=AS_OF)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 5, 0)
    assert result.kind == "salesforce_opportunities"
    assert rows(con, "select opportunity_id, owner_id, account_name, amount, stage_name, "
                     "forecast_category, deal_type, created_date, is_closed, is_won "
                     "from opportunities order by 1") == [
        ("006000000000000001", EXEC, "001000000000000001", 12000.0, "Negotiation", "Commit",
         "existing", date(2026, 9, 1), False, False),
        ("006000000000000002", EXEC, None, 8000.0, "Proposal", "Best Case", "new",
         date(2026, 10, 1), False, False),
        ("006000000000000003", FORMER, "001000000000000003", 4000.0, "Closed Won", "Closed",
         "new", date(2026, 8, 15), True, True),
        ("006000000000000004", EXEC, "001000000000000004", 1500.0, "Closed Lost", "Omitted",
         "new", date(2026, 8, 20), True, False),
        ("006000000000000005", DIRECTOR, "001000000000000005", 2500.0, "Prospecting",
         "Best Case", "existing", date(2026, 11, 1), False, False),
    ]
    # 12000 + 8000 + 4000 + 1500 + 2500
    assert rows(con, "select sum(amount) from opportunities") == [(28000.0,)]
    assert ("the Salesforce forecast category 'MostLikely' has no canonical equivalent: read "
            "it as Best Case") in result.assumptions


def test_salesforce_api_rejects_owner_ids_that_are_not_loaded(con):
    load(con, "stages.csv", "people.csv")
    result = importing.import_file(con, FIXTURES / "salesforce_api.csv", as_of=AS_OF)
    assert (result.status, result.rows_in, result.rows_rejected) == ("failed", 5, 5)
    assert result.rejects["reason"].tolist()[0] == (
        f"owner '{EXEC}' is not among the people loaded (import people first)")
    assert rows(con, "select count(*) from opportunities") == [(0,)]


# ---------------------------------------------------------------- OpportunityHistory


@pytest.fixture
def with_history(con):
    load(con, "stages.csv", "salesforce_users.csv", "salesforce_api.csv")
    result = importing.import_file(con, FIXTURES / "salesforce_history.csv",
                                   as_of=date(2026, 11, 13))
    return con, result


def test_history_rebuilds_weekly_snapshots(with_history):
    con, result = with_history
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects", 7, 6, 1)
    assert result.rejects[["line_number", "reason"]].values.tolist() == [
        [8, "opportunity '006000000000000099' is not in the store: import the opportunities "
            "first"]]
    # deal 1: Fridays 2026-09-04 .. 11-13 (11), all open; deal 3: 08-21 .. 11-06 (12), the
    # last one the week it closed; 13 Fridays, plus the API import's snapshot of 11-20
    assert rows(con, "select count(*) from opportunity_snapshots where snapshot_date < $d",
                {"d": AS_OF}) == [(23,)]
    assert rows(con, "select count(*), min(snapshot_date), max(snapshot_date) from snapshots "
                     "where source = 'salesforce_history'") == [
        (13, date(2026, 8, 21), date(2026, 11, 13))]
    assert rows(con, "select opportunity_id, stage_name, amount, forecast_category, is_closed "
                     "from opportunity_snapshots where snapshot_date = $d order by 1",
                {"d": date(2026, 10, 16)}) == [
        ("006000000000000001", "Proposal", 10000.0, "Best Case", False),
        ("006000000000000003", "Proposal", 4000.0, "Best Case", False)]
    assert rows(con, "select stage_name, amount, close_date from opportunity_snapshots where "
                     "snapshot_date = $d and opportunity_id = '006000000000000001'",
                {"d": date(2026, 10, 23)}) == [("Negotiation", 12000.0, date(2026, 12, 15))]
    assert rows(con, "select opportunity_id, is_closed, is_won from opportunity_snapshots "
                     "where snapshot_date = $d order by 1", {"d": date(2026, 11, 6)}) == [
        ("006000000000000001", False, False), ("006000000000000003", True, True)]
    assert rows(con, "select count(*) from opportunity_snapshots where snapshot_date = $d",
                {"d": date(2026, 11, 13)}) == [(1,)]
    assert rows(con, "select snapshot_date, deal_count from snapshots where snapshot_date in "
                     "($a, $b) order by 1", {"a": date(2026, 8, 21), "b": date(2026, 11, 13)}
                ) == [(date(2026, 8, 21), 1), (date(2026, 11, 13), 1)]


def test_history_gives_stage_events_pushes_and_stage_dates(with_history):
    con, _ = with_history
    assert rows(con, "select stage_name, entered_at from stage_events where opportunity_id = "
                     "'006000000000000001' order by entered_at") == [
        ("Prospecting", datetime(2026, 9, 1, 10, 15)),
        ("Proposal", datetime(2026, 10, 7, 11, 0)),
        ("Negotiation", datetime(2026, 10, 21, 16, 0))]  # the export's guess (11-20) is gone
    assert rows(con, "select stage_name, entered_at from stage_events where opportunity_id = "
                     "'006000000000000003' order by entered_at") == [
        ("Proposal", datetime(2026, 8, 15, 12, 0)),
        ("Negotiation", datetime(2026, 10, 28, 9, 0)),
        ("Closed Won", datetime(2026, 11, 5, 14, 0))]
    assert rows(con, "select opportunity_id, close_date_pushes, stage_entered_date "
                     "from opportunities where opportunity_id in ('006000000000000001', "
                     "'006000000000000003') order by 1") == [
        ("006000000000000001", 1, date(2026, 10, 21)),
        ("006000000000000003", 1, date(2026, 11, 5))]


def test_history_import_is_idempotent(with_history, tmp_path):
    con, _ = with_history
    tables = ["opportunity_snapshots", "snapshots", "stage_events", "opportunities"]
    before = {t: sorted(rows(con, f"select * from {t}"), key=repr) for t in tables}
    copy = tmp_path / "history_copy.csv"
    copy.write_bytes((FIXTURES / "salesforce_history.csv").read_bytes() + b"\n")
    again = importing.import_file(con, copy, as_of=date(2026, 11, 13))
    assert again.rows_loaded == 6
    assert "adding 0 snapshot rows and 0 stage changes" in again.message
    assert {t: sorted(rows(con, f"select * from {t}"), key=repr) for t in tables} == before


# ---------------------------------------------------------------- HubSpot


def test_hubspot_deals_create_stages_owners_and_stage_history(con):
    result = importing.import_file(con, FIXTURES / "hubspot_deals.csv", as_of=AS_OF)
    assert (result.kind, result.status, result.rows_loaded) == ("hubspot_deals", "loaded", 4)
    assert rows(con, "select stage_name, stage_order, probability, forecast_category, "
                     "is_closed, is_won from stages order by stage_order") == [
        ("Appointment scheduled", 1, 20.0, "Pipeline", False, False),
        ("Contract sent", 2, 90.0, "Commit", False, False),
        ("Closed won", 3, 100.0, "Closed", True, True)]
    assert rows(con, "select opportunity_id, owner_id, amount, probability, forecast_category,"
                     " deal_type, close_date, stage_entered_date from opportunities "
                     "order by 1") == [
        ("9001", "hana-hub", 5000.0, 20.0, "Pipeline", "new", date(2026, 12, 15),
         date(2026, 10, 1)),
        ("9002", "hana-hub", 12000.0, 90.0, "Commit", "existing", date(2026, 11, 28),
         date(2026, 11, 2)),
        ("9003", "ivan-ito", 3000.0, 100.0, "Closed", "existing", date(2026, 11, 5),
         date(2026, 11, 5)),
        ("9004", "ivan-ito", 0.0, 90.0, "Best Case", "new", date(2026, 12, 31),
         date(2026, 11, 10))]
    # 'Date entered' columns: 1 + 2 + 3 + 2 entries, and no second event for the same day
    assert rows(con, "select count(*) from stage_events") == [(8,)]
    assert rows(con, "select entered_at from stage_events where opportunity_id = '9002' and "
                     "stage_name = 'Contract sent'") == [(datetime(2026, 11, 2, 16, 0),)]
    assert result.assumptions == [
        "hubspot_deals.csv was read as HubSpot deals export (UTF-8 text, comma-separated)",
        "probabilities were given as fractions (0.2): read them as percent (20 %)",
        "stages missing from the stage table were created from the file: "
        "'Appointment scheduled' (20 %, Pipeline), 'Contract sent' (90 %, Commit), "
        "'Closed won' (100 %, Closed)",
        "2 deal owners were not among the people loaded and were created from the owner "
        "name ('Hana Hub', 'Ivan Ito'); they have no manager until a people file places them",
        "the 'Date entered <stage>' columns became the deals' stage history",
        "1 deal had no amount: counted as 0",
        "4 deals were at a stage created from the file",
    ]


def test_hubspot_owner_matching_an_existing_person_by_name(con):
    con.execute("insert into people values ('U-77', 'Hana Hub', null, null)")
    importing.import_file(con, FIXTURES / "hubspot_deals.csv", as_of=AS_OF)
    assert rows(con, "select owner_id, count(*) from opportunities group by 1 order by 1") == [
        ("U-77", 2), ("ivan-ito", 2)]


def test_unknown_stage_without_probability_is_rejected_not_created(con, tmp_path):
    path = tmp_path / "hubspot_no_probability.csv"
    path.write_text("Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner\n"
                    "1,One,Qualified to buy,100,2026-12-01,Ann Owner\n", encoding="utf-8")
    result = importing.import_file(con, path, as_of=AS_OF)
    assert result.status == "failed"
    assert result.unknown_stages == ["Qualified to buy"]
    assert result.rejects["reason"].tolist() == ["unknown stage 'Qualified to buy'"]
    assert rows(con, "select count(*) from stages") == [(0,)]
    assert rows(con, "select count(*) from people") == [(0,)]
