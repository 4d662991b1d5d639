"""Reading files: encodings, delimiters, non-CSV files, line numbers, format detection."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from forecast import importing
from forecast.importing import formats, readers, validate

FIXTURES = Path(__file__).parent / "fixtures" / "import"
AS_OF = date(2026, 11, 20)


@pytest.fixture
def store(con):
    for name in ("stages.csv", "people.csv"):
        assert importing.import_file(con, FIXTURES / name, as_of=AS_OF).status == "loaded"
    return con


def deals(con) -> dict[str, tuple]:
    rows = con.execute("select opportunity_id, opportunity_name, account_name, amount, "
                       "stage_name from opportunities").fetchall()
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize(("name", "expected", "described"), [
    ("opportunities_latin1_semicolon.csv",
     {"L1": ("Café crème", "Müller GmbH", 1234.5, "Proposal"),
      "L2": ("Straße", "Größe AG", 99.95, "Prospecting")},
     "Windows-1252 / Latin-1 text, semicolon-separated"),
    ("opportunities_utf16_tab.csv",
     {"U1": ("Zoë's deal", "Łódź Sp. z o.o.", 800.0, "Negotiation"),
      "U2": ("東京 expansion", "Tōkyō KK", 1200.25, "Proposal")},
     "UTF-16 text, tab-separated"),
    ("opportunities_utf8_bom.csv",
     {"W1": ("Ørsted wind", "Ørsted A/S", 640.0, "Proposal"),
      "W2": ("Señor deal", "Peña SL", 360.0, "Negotiation")},
     "UTF-8 (with byte-order mark) text, comma-separated"),
    ("opportunities.xlsx",
     {"X1": ("Workbook deal", "Acme", 1500.0, "Proposal"),
      "X2": ("Second workbook deal", "Beta", 250.75, "Prospecting")},
     "Excel workbook (.xlsx)"),
])
def test_encodings_and_delimiters_are_detected_and_loaded(store, name, expected, described):
    result = importing.import_file(store, FIXTURES / name, as_of=AS_OF)
    assert (result.status, result.rows_in, result.rows_loaded) == ("loaded", 2, 2)
    assert deals(store) == expected
    assert any(described in a for a in result.assumptions), result.assumptions


def test_the_header_is_not_a_data_row_in_any_encoding():
    table = readers.read_table(FIXTURES / "opportunities_utf16_tab.csv")
    assert table.columns[0] == "opportunity_id"
    assert table.lines.tolist() == [2, 3]


@pytest.mark.parametrize(("name", "message"), [
    ("empty.csv", "The file is empty: it has no header and no rows."),
    ("not_csv.png", "The file is a PNG image, not a CSV file. Export the data as CSV (comma- "
                    "or semicolon-separated) or as an .xlsx workbook and import that."),
    ("archive.zip", "archive.zip is a ZIP archive, not a CSV file or an Excel workbook. "
                    "Unpack it and import the CSV inside."),
    ("header_only.csv", "The file has a header but no rows, so there was nothing to import."),
])
def test_files_that_cannot_be_imported_fail_with_a_clear_message(store, name, message):
    before = store.execute("select count(*) from opportunities").fetchall()
    result = importing.import_file(store, FIXTURES / name, as_of=AS_OF)
    assert result.status == "failed"
    assert result.message == message
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (0, 0, 0)
    assert store.execute("select count(*) from opportunities").fetchall() == before
    logged = store.execute("select status, message from imports where import_id = $id",
                           {"id": result.import_id}).fetchall()
    assert logged == [("failed", message)]


def test_a_binary_file_that_is_no_known_type_fails(store, tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 4)
    result = importing.import_file(store, path, as_of=AS_OF)
    assert result.status == "failed"
    assert result.message.startswith("The file is not text (it looks like a binary file)")


def test_a_missing_file_fails_with_its_path(store, tmp_path):
    result = importing.import_file(store, tmp_path / "nope.csv", as_of=AS_OF)
    assert result.status == "failed"
    assert result.message == f"{tmp_path / 'nope.csv'} does not exist."


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(store, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(
        "opportunity_id,opportunity_name,owner_id,amount,stage_name,close_date\n"   # 1
        "A1,plain,R1,10,Proposal,2026-12-01\n"                                      # 2
        "\n"                                                                        # 3
        'A2,"two\nlines",R1,20,Proposal,2026-12-01\n'                               # 4-5
        "A3,bad,R1,x,Proposal,2026-12-01\n",                                        # 6
        encoding="utf-8")
    result = importing.import_file(store, path, as_of=AS_OF)
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert result.rejects[["line_number", "value", "raw_row"]].values.tolist() == [
        [6, "x", "A3,bad,R1,x,Proposal,2026-12-01"]]
    assert store.execute("select opportunity_name from opportunities where opportunity_id "
                         "= 'A2'").fetchall() == [("two\nlines",)]


def test_rows_with_more_fields_than_the_header_are_rejected(store, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("opportunity_id,owner_id,amount,stage_name,close_date\n"
                    "R1X,R1,10,Proposal,2026-12-01\n"
                    "R2X,R1,20,Proposal,2026-12-01,surprise\n"
                    "R3X,R2,30,Proposal,2026-12-01\n", encoding="utf-8")
    result = importing.import_file(store, path, as_of=AS_OF)
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == (
        "loaded_with_rejects", 3, 2, 1)
    assert result.rejects[["line_number", "reason"]].values.tolist() == [
        [3, "has 6 fields but the header has 5"]]


@pytest.mark.parametrize(("name", "kind", "confidence", "label"), [
    ("opportunities.csv", "opportunities", 1.0, "Opportunities (canonical CSV)"),
    ("salesforce_report.csv", "salesforce_opportunities", 1.0,
     "Salesforce opportunities (report labels)"),
    ("salesforce_api.csv", "salesforce_opportunities", 1.0,
     "Salesforce opportunities (API names)"),
    ("salesforce_history.csv", "salesforce_history", 1.0, "Salesforce OpportunityHistory"),
    ("salesforce_users.csv", "salesforce_users", 1.0,
     "Salesforce users (User with ManagerId)"),
    ("salesforce_roles.csv", "salesforce_roles", 1.0,
     "Salesforce user roles (UserRole with ParentRoleId)"),
    ("hubspot_deals.csv", "hubspot_deals", 1.0, "HubSpot deals export"),
    ("people.csv", "people", 1.0, "People and managers (canonical CSV)"),
    ("quotas.csv", "quotas", 1.0, "Quotas (canonical CSV)"),
    ("leads.csv", "leads", 1.0, "Leads (canonical CSV)"),
    ("stages.csv", "stages", 1.0, "Stages (canonical CSV)"),
    ("opportunities_utf16_tab.csv", "opportunities", 1.0, "Opportunities (canonical CSV)"),
    ("opportunities.xlsx", "opportunities", 1.0, "Opportunities (canonical CSV)"),
])
def test_detect_format(name, kind, confidence, label):
    guess = importing.detect_format(FIXTURES / name)
    assert (guess.kind, guess.confidence, guess.label) == (kind, confidence, label)
    assert guess.missing == [] and guess.unused_columns == []


def test_detect_format_maps_salesforce_labels_to_canonical_fields():
    guess = importing.detect_format(FIXTURES / "salesforce_report.csv")
    assert guess.mapping == {
        "opportunity_name": "Opportunity Name", "account_name": "Account Name",
        "owner_name": "Opportunity Owner", "amount": "Amount",
        "currency": "Opportunity Currency", "stage_name": "Stage",
        "probability": "Probability (%)", "forecast_category": "Forecast Category",
        "close_date": "Close Date", "created_date": "Created Date", "deal_type": "Type",
        "lead_source": "Lead Source"}


def test_detect_format_reports_missing_columns_with_zero_confidence():
    guess = importing.detect_format(FIXTURES / "opportunities_missing_columns.csv")
    assert guess.kind == "opportunities"
    assert guess.confidence == 0.0
    assert guess.missing == ["'amount'", "'close_date'"]


def test_detect_format_of_a_file_that_is_not_csv():
    guess = importing.detect_format(FIXTURES / "not_csv.png")
    assert guess.kind is None and guess.confidence == 0.0
    assert guess.label.startswith("The file is a PNG image")


def test_a_mapping_overrides_the_detected_columns(store, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Deal,Rep,Value,Phase,Due\nM1X,R1,70,Proposal,2026-12-01\n",
                    encoding="utf-8")
    result = importing.import_file(
        store, path, kind="opportunities", as_of=AS_OF,
        mapping={"opportunity_id": "Deal", "owner_id": "Rep", "amount": "Value",
                 "stage_name": "Phase", "close_date": "Due"})
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert store.execute("select owner_id, amount from opportunities").fetchall() == [
        ("R1", 70.0)]
    bad = importing.import_file(store, path, kind="opportunities", as_of=AS_OF,
                                mapping={"amount": "Price"})
    assert bad.status == "failed"
    assert bad.message == "The mapping uses the column 'Price', which is not in the file."


def test_an_unknown_kind_fails(store):
    result = importing.import_file(store, FIXTURES / "opportunities.csv", kind="sap",
                                   as_of=AS_OF)
    assert result.status == "failed"
    assert result.message.startswith("'sap' is not a known format; use one of: opportunities,")


@pytest.mark.parametrize(("text", "expected"), [
    ("1234.5", 1234.5), ("1,234.50", 1234.5), ("1.234,50", 1234.5), ("99,95", 99.95),
    ("$ 1 200", 1200.0), ("EUR 300", 300.0), ("300 USD", 300.0), ("-12", -12.0),
])
def test_number_formats(text, expected):
    values, bad = validate.parse_number(_series([text]))
    assert not bad[0] and values.iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("text", ["12abc", "1.2.3", "nan", "inf", "--5", "twelve"])
def test_numbers_that_are_not(text):
    values, bad = validate.parse_number(_series([text]))
    assert bad[0]


@pytest.mark.parametrize(("texts", "expected", "note"), [
    (["2026-03-31"], "2026-03-31 00:00:00", None),
    (["2026-03-31 14:05:00"], "2026-03-31 14:05:00", None),
    (["2026-03-31T14:05:00.000+0000"], "2026-03-31 14:05:00", None),
    (["3/31/2026", "4/1/2026"], "2026-03-31 00:00:00", "month/day/year"),
    (["31/03/2026", "01/04/2026"], "2026-03-31 00:00:00", "day/month/year"),
    (["31.03.2026"], "2026-03-31 00:00:00", "day/month/year"),
])
def test_date_formats(texts, expected, note):
    values, bad, said = validate.parse_dates(_series(texts))
    assert not bad.any()
    assert str(values.iloc[0]) == expected
    assert (note is None and said is None) or note in said


def test_dates_that_are_not():
    values, bad, _ = validate.parse_dates(_series(["2026-02-30", "soon", "", "2026-13-01"]))
    assert bad.tolist() == [True, True, False, True]


@pytest.mark.parametrize(("raw", "canonical"), [
    ("Pipeline", "Pipeline"), ("BestCase", "Best Case"), ("Forecast", "Commit"),
    ("MostLikely", "Best Case"), ("Omitted", "Omitted"), ("Closed", "Closed"),
    ("Not forecasted", "Omitted"), ("Best case", "Best Case"), ("Commit", "Commit"),
    ("Closed won", "Closed"),
])
def test_forecast_categories_from_salesforce_and_hubspot(raw, canonical):
    values, bad, _ = validate.parse_category(_series([raw]))
    assert not bad[0] and values.iloc[0] == canonical


@pytest.mark.parametrize(("raw", "canonical"), [
    ("New Customer", "new"), ("Existing Customer - Upgrade", "existing"),
    ("Existing Customer - Replacement", "existing"), ("newbusiness", "new"),
    ("existingbusiness", "existing"), ("new", "new"), ("Renewal", "existing"),
])
def test_deal_types(raw, canonical):
    values, unplaced = validate.parse_deal_type(_series([raw]))
    assert not unplaced[0] and values.iloc[0] == canonical


def test_required_column_groups_are_listed_in_the_header_names_of_the_format():
    spec = formats.FORMATS["salesforce_opportunities"]
    assert formats.missing_required(spec, {"amount": "Amount"}) == [
        "'Opportunity ID' / 'Opportunity Id' or 'Opportunity Name' / 'Name'",
        "'OwnerId' / 'Owner ID' or 'Opportunity Owner' / 'Owner.Name'",
        "'Stage' / 'StageName'", "'Close Date' / 'CloseDate'"]


def _series(values):
    import pandas as pd

    return pd.Series(values, dtype="str")
