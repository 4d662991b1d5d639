"""Hostile and broken input: generated malformed files always end in one plain sentence with
every row accounted for, and text that looks like SQL, HTML or a spreadsheet formula is kept
and shown as text.

The property-based tests use hypothesis with derandomize=True (the same examples on every
run, so CI is reproducible) and no example database. Each example imports into a fresh store
holding the stages and people of tests/fixtures/import (R1, R2 and M1 own deals).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from forecast import backup, calls, db, export, formatting, importing
from forecast.importing import REJECT_COLUMNS
from forecast.whatif import scenarios
from forecast.whatif.levers import Levers

import tiny_company
from apptest_helpers import open_app, use_store

FIXTURES = Path(__file__).parent / "fixtures" / "import"
AS_OF = date(2026, 11, 20)

# modest counts: an import example costs about half a second (a fresh store each time)
PROPERTIES = settings(max_examples=30, derandomize=True, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                             HealthCheck.function_scoped_fixture])
BYTES = settings(PROPERTIES, max_examples=20)
CHEAP = settings(PROPERTIES, max_examples=100)

# strings that must stay text wherever they go (OWASP's CSV-injection cases among them)
HOSTILE = [
    "'); DROP TABLE opportunities;--",
    "Robert'); DELETE FROM submissions; --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(1)",
    '=HYPERLINK("http://example.com","click")',
    "$(touch /tmp/pwned)",
    "{{7*7}} ${7*7}",
    "**bold** _it_ [link](javascript:alert(1))",
]

# ---------------------------------------------------------------- malformed CSV files

DEAL_COLUMNS = ["opportunity_id", "opportunity_name", "account_name", "owner_id", "amount",
                "currency", "stage_name", "probability", "forecast_category", "close_date",
                "created_date", "deal_type", "lead_source", "segment"]
REQUIRED = ["opportunity_id", "owner_id", "amount", "stage_name", "close_date"]

# per column: good values, bad ones, and the ones in between
VALUES = {
    "opportunity_id": ["D1", "D2", "D3", "D4", "D5", "", "D1 ", "d1"],      # duplicates too
    "owner_id": ["R1", "R2", "M1", "NOBODY", "", "r1"],
    "amount": ["100", "1,200.50", "1.200,50", "$ 300", "", "-5", "twelve", "1e400", "NaN",
               "inf", "9e18", "12 %", "0x10"],
    "currency": ["USD", "usd", "", "EUR", "€", "<b>", "US Dollar"],
    "stage_name": ["Proposal", "Closed Won", "closed lost", "Negotiation", "Nope", ""],
    "probability": ["", "50", "0.5", "150", "-1", "x"],
    "forecast_category": ["", "Commit", "BestCase", "Omitted", "Nonsense"],
    "close_date": ["2026-12-01", "12/31/2026", "31.12.2026", "2026-02-30", "0000-01-01",
                   "9999-12-31", "", "tomorrow", "2026-12-01T10:00:00.000+0000"],
    "created_date": ["2026-10-01", "", "1899-12-31", "soon"],
    "deal_type": ["new", "existing", "Existing Customer - Upgrade", "", "other"],
}
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=20)


def cell(column: str) -> st.SearchStrategy[str]:
    options = [st.sampled_from(HOSTILE), TEXT, st.just('"quoted, with ""quotes"""'),
               st.just("line one\nline two"), st.just("x" * 5_000)]
    if column in VALUES:
        options = [st.sampled_from(VALUES[column])] * 3 + options
    return st.one_of(options)


@st.composite
def deal_files(draw):
    """(text, data rows the file holds, whether its header has every required column)."""
    extra = draw(st.lists(st.sampled_from(DEAL_COLUMNS), unique=True, max_size=6))
    columns = list(dict.fromkeys(REQUIRED + extra))
    drop = draw(st.lists(st.sampled_from(REQUIRED), unique=True, max_size=2)
                if draw(st.integers(0, 4)) == 0 else st.just([]))
    columns = [c for c in columns if c not in drop]
    if draw(st.integers(0, 6)) == 0:
        columns.append(draw(st.sampled_from(["Opportunity ID", "junk", "", "amount"])))
    columns = draw(st.permutations(columns))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(cell(c)) for c in columns]
        ragged = draw(st.sampled_from([0] * 8 + [-2, -1, 1, 2]))
        row = row[:len(row) + ragged] if ragged < 0 else row + [draw(TEXT)
                                                                for _ in range(ragged)]
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t", "|"])),
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
                        lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(columns)
    writer.writerows(rows)
    held = sum(1 for row in rows if any(str(v).strip() for v in row))
    return out.getvalue(), held, not drop


def encoded(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@pytest.fixture(scope="module")
def base_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "base.duckdb"
    con = db.connect(path)
    for name in ("stages.csv", "people.csv"):
        assert importing.import_file(con, FIXTURES / name, as_of=AS_OF).status == "loaded"
    con.close()
    return path


@pytest.fixture
def fresh(base_store, tmp_path):
    """A function that opens a new copy of the base store for each example."""
    opened = []

    def open_copy():
        copy = tmp_path / f"store{len(opened)}.duckdb"
        copy.write_bytes(base_store.read_bytes())
        opened.append(db.connect(copy))
        return opened[-1]

    yield open_copy
    for con in opened:
        con.close()


def check_accounted(con, result, before: dict) -> None:
    """The promises every import keeps, whatever the file."""
    assert isinstance(result.message, str) and result.message.strip()
    assert "\n" not in result.message and "Traceback" not in result.message
    assert "unexpected problem" not in result.message, result.message
    assert result.rows_in == result.rows_loaded + result.rows_rejected
    logged = con.execute("select rows_in, rows_loaded, rows_rejected, status from imports "
                         "where import_id = $id", {"id": result.import_id}).fetchall()
    assert logged == [(result.rows_in, result.rows_loaded, result.rows_rejected,
                       result.status)]
    lines = con.execute("select count(distinct line_number), count(*) filter (where "
                        "reason is null or reason = '') from import_rejects "
                        "where import_id = $id", {"id": result.import_id}).fetchall()[0]
    # every rejected row is kept with a reason (a failed import rejects all rows, all logged)
    assert lines == (result.rows_rejected, 0)
    after = backup.fingerprints(con)
    if result.status == "failed":
        assert {t: v for t, v in after.items() if t not in ("imports", "import_rejects")} == {
            t: v for t, v in before.items() if t not in ("imports", "import_rejects")}
    else:
        new_deals = after["opportunities"][0] - before["opportunities"][0]
        assert new_deals == result.rows_loaded


@PROPERTIES
@given(deal_files(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_malformed_deal_files_end_in_a_sentence_with_every_row_accounted_for(
        fresh, tmp_path, file, encoding):
    text, held, header_ok = file
    con = fresh()
    before = backup.fingerprints(con)
    path = tmp_path / "deals.csv"
    path.write_bytes(encoded(text, encoding))
    result = importing.import_file(con, path, kind="opportunities", as_of=AS_OF)
    check_accounted(con, result, before)
    if header_ok:
        assert result.rows_in == held  # every data row read: loaded or rejected
    else:
        assert result.status == "failed" and "missing required columns" in result.message


# files named by what they are, so a failing example prints a name, not megabytes
ODD_FILES = {
    "empty": b"",
    "byte-order mark only": b"\xef\xbb\xbf",
    "blank lines": b"\n\n\n",
    "NUL bytes": b"\x00" * 10,
    "PNG header": b"\x89PNG\r\n\x1a\n",
    "ZIP that is no workbook": b"PK\x03\x04garbage",
    "broken UTF-16": b"\xff\xfe\x00",
    "one 300 kB line": b"a" * 300_000,
    "one 300 kB field": b"opportunity_id,owner_id,amount,stage_name,close_date\nD1,R1,1,"
                        + b"P" * 300_000 + b",2026-12-01\n",
    "header, then invalid UTF-8": b"opportunity_id\n" + b"\xff" * 50,
    "unterminated quote": b'"unterminated,quote\n1,2\n',
    "20,000 columns": b",".join(b"c%d" % i for i in range(20_000)) + b"\n1\n",
}


@BYTES
@given(st.one_of(st.binary(max_size=2_000), st.sampled_from(sorted(ODD_FILES))))
def test_arbitrary_bytes_never_end_in_a_traceback(fresh, tmp_path, data):
    data = ODD_FILES.get(data, data)
    con = fresh()
    before = backup.fingerprints(con)
    path = tmp_path / "anything.csv"
    path.write_bytes(data)
    result = importing.import_file(con, path, as_of=AS_OF)  # format detected from the bytes
    assert result.rows_in == result.rows_loaded + result.rows_rejected
    check_accounted(con, result, before)  # and every other promise an import keeps


def test_duplicate_ids_and_ragged_rows_are_rejected_by_line(fresh, tmp_path):
    """By hand: line 2 loads; line 3 repeats D1; line 4 has 7 fields for a 5-column header;
    line 5 is short (no stage, which a deal needs); line 6 is blank and is no row."""
    path = tmp_path / "mixed.csv"
    path.write_text("opportunity_id,owner_id,amount,stage_name,close_date\n"
                    "D1,R1,100,Proposal,2026-12-01\n"
                    "D1,R2,200,Proposal,2026-12-01\n"
                    "D2,R1,300,Proposal,2026-12-01,extra,fields\n"
                    "D3,R1,400\n"
                    ",,,,\n", encoding="utf-8")
    con = fresh()
    result = importing.import_file(con, path, as_of=AS_OF)
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (4, 1, 3)
    assert result.rejects[["line_number", "reason"]].values.tolist() == [
        [3, "duplicates opportunity 'D1' on line 2"],
        [4, "has 7 fields but the header has 5"],
        [5, "missing stage"],
    ]


# ---------------------------------------------------------------- hostile text is kept as text


def test_hostile_text_in_every_imported_field_is_stored_verbatim(fresh, tmp_path):
    people = tmp_path / "people.csv"
    deals = tmp_path / "deals.csv"
    leads = tmp_path / "leads.csv"
    with people.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["person_id", "name", "email", "title", "manager_id"])
        for i, text in enumerate(HOSTILE):
            out.writerow([f"H{i}", text, text, text, "M1"])
    with deals.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["opportunity_id", "opportunity_name", "account_name", "owner_id",
                      "amount", "stage_name", "close_date", "lead_source", "segment"])
        for i, text in enumerate(HOSTILE):
            out.writerow([f"X{i}", text, text, f"H{i}", 10, "Proposal", "2026-12-01", text,
                          text])
    with leads.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["lead_id", "lead_name", "company", "source", "segment",
                      "disqualified_reason", "created_at"])
        for i, text in enumerate(HOSTILE):
            out.writerow([f"L{i}", text, text, text, text, text, "2026-11-01"])
    con = fresh()
    for path in (people, deals, leads):
        result = importing.import_file(con, path, as_of=AS_OF)
        assert (result.status, result.rows_loaded) == ("loaded", len(HOSTILE)), result.message
    n = len(HOSTILE)
    stored = {
        "people": con.execute("select name, email, title from people where person_id like 'H%' "
                              "order by cast(substr(person_id, 2) as int)").fetchall(),
        "deals": con.execute("select opportunity_name, account_name, lead_source, segment "
                             "from opportunities order by cast(substr(opportunity_id, 2) "
                             "as int)").fetchall(),
        "leads": con.execute("select lead_name, company, source, segment, disqualified_reason "
                             "from leads order by cast(substr(lead_id, 2) as int)").fetchall(),
    }
    assert stored["people"] == [(t, t, t) for t in HOSTILE]
    assert stored["deals"] == [(t,) * 4 for t in HOSTILE]
    assert stored["leads"] == [(t,) * 5 for t in HOSTILE]
    # and nothing ran: every table is still there with its rows
    assert con.execute("select count(*) from opportunities").fetchall() == [(n,)]
    assert con.execute("select count(*) from submissions").fetchall() == [(0,)]


def test_hostile_notes_of_calls_and_adjustments_are_stored_verbatim(con):
    tiny_company.load(con)
    at = datetime(2026, 11, 20, 16)
    for i, text in enumerate(HOSTILE):
        calls.submit_call(con, "R1", "2026-Q4", 10 + i, 20 + i, text, text, at)
        calls.adjust_call(con, "M1", "R1", "2026-Q4", 10 + i, 20 + i, text, text, at)
    assert con.execute("select note, entered_by from submissions order by submission_id"
                       ).fetchall() == [(t, t) for t in HOSTILE]
    assert con.execute("select note, entered_by from adjustments order by adjustment_id"
                       ).fetchall() == [(t, t) for t in HOSTILE]


def test_hostile_scenario_names_are_stored_and_found_verbatim(con):
    for i, text in enumerate(HOSTILE):
        scenarios.save(con, text, Levers(win_rate_pts=i), text, datetime(2026, 11, 20, 9),
                       note=text)
    listed = scenarios.saved(con)
    assert sorted(listed["name"]) == sorted(HOSTILE)
    assert (listed["name"] == listed["note"]).all() and (listed["name"] == listed["saved_by"]).all()
    for i, text in enumerate(HOSTILE):
        assert scenarios.load(con, text).levers == Levers(win_rate_pts=i)


# ---------------------------------------------------------------- exports


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@CHEAP
@given(st.lists(st.one_of(st.sampled_from(HOSTILE + ["\t=1", "\r=1", "=1+1", "-", "@"]),
                          st.text(max_size=15)), min_size=1, max_size=8))
def test_exports_keep_every_text_as_text(values):
    frame = pd.DataFrame({"name": values, "amount": range(len(values))})
    shown = [("'" + v) if v.startswith(FORMULA_START) else v for v in values]
    read_back = list(csv.reader(io.StringIO(export.to_csv(frame).decode("utf-8"),
                                            newline="")))
    assert [row[0] for row in read_back[1:]] == shown
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_excel(frame))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells if c.value is not None)  # never 'f'ormula
    assert [c.value or "" for c in cells] == [_in_a_workbook(v) for v in shown]


def _in_a_workbook(text: str) -> str:
    """What a workbook can hold: no control characters (U+FFFD instead) and XML line ends."""
    kept = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return kept.replace("\r\n", "\n").replace("\r", "\n")


def test_every_download_on_the_pages_goes_through_the_safe_export():
    """Each download button of the pages builds its file with export.to_csv / to_excel (the
    apostrophe rule); no page writes a CSV or workbook of its own."""
    root = Path(__file__).resolve().parents[1]
    sources = {p.name: p.read_text("utf-8") for p in [*root.glob("pages/*.py"), root / "app.py",
                                                      *root.glob("src/forecast/ui/*.py")]}
    offering = {name: text for name, text in sources.items() if "download_button(" in text}
    assert "widgets.py" in offering  # the shared CSV + Excel pair
    for name, text in offering.items():
        safe = text.count("export.to_csv(") + text.count("export.to_excel(")
        assert text.count("download_button(") == safe, name
    for name, text in sources.items():
        assert ".to_csv(" not in text.replace("export.to_csv(", ""), name
        assert ".to_excel(" not in text.replace("export.to_excel(", ""), name


# ---------------------------------------------------------------- pages


PEOPLE_NAMES = HOSTILE[:6]                # V, M1, M2, R1, R2, R3 in tiny_company order
DEAL_NAMES = HOSTILE[6:] + HOSTILE[:3]     # D1 .. D9
SCENARIO_NAMES = HOSTILE[6:10]


def _hostile_company(con) -> None:
    """The tiny company with every name, deal, account and note replaced by hostile text."""
    tiny_company.load(con)
    people = dict(zip([p for p, _ in tiny_company.PEOPLE], PEOPLE_NAMES, strict=True))
    for person, name in people.items():
        con.execute("update people set name = $n where person_id = $p", {"n": name, "p": person})
    for (deal, *_), text in zip(tiny_company.DEALS, DEAL_NAMES, strict=True):
        con.execute("update opportunities set opportunity_name = $n, account_name = $n "
                    "where opportunity_id = $d", {"n": text, "d": deal})
    tiny_company.load_calls(con)
    con.execute("update adjustments set note = $n where person_id = 'M1'", {"n": HOSTILE[4]})
    con.execute("update submissions set note = $n where person_id = 'V'", {"n": HOSTILE[0]})
    for i, text in enumerate(SCENARIO_NAMES):
        scenarios.save(con, text, Levers(win_rate_pts=i), text, datetime(2026, 11, 20, 9),
                       note=text, period_id="2026-Q4", team_id="V", as_of_date=AS_OF)


def _texts(at) -> list[str]:
    """Every piece of text the page shows, cell by cell."""
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                 "error", "success", "metric", "text"):
        for element in getattr(at, kind, []):
            out.append(str(getattr(element, "value", "")) + str(getattr(element, "label", "")))
    for widget in (*at.selectbox, *at.sidebar.selectbox, *at.multiselect):
        out.extend(str(o) for o in widget.options)
    for frame in (*at.dataframe, *at.table):
        out.extend(str(v) for v in frame.value.astype(str).to_numpy().ravel())
    return out


@pytest.mark.parametrize(("page", "also", "tab"), [
    (None, [], None),
    ("pages/forecast_review.py", [], None),
    ("pages/forecast_review.py", DEAL_NAMES, ("review_tab", "Deals")),   # the deal list
    ("pages/rollup_page.py", [], None),
    ("pages/whatif_page.py", SCENARIO_NAMES, None),   # the saved scenarios, to load
    ("pages/whatif_page.py", SCENARIO_NAMES, ("wi_tab", "Scenarios side by side")),
])
def test_pages_show_hostile_names_literally(tmp_path, monkeypatch, page, also, tab):
    use_store(tmp_path, monkeypatch, _hostile_company, "hostile")
    at = open_app(page)
    if tab:  # (the page's tabs key, the tab to open)
        at.session_state[tab[0]] = tab[1]
        at.run()
    assert not at.exception
    shown = "\n".join(_texts(at))
    # every page names the people (sidebar team picker, tables); some show more
    assert [t for t in [*PEOPLE_NAMES, *also] if t not in shown] == []
    # markdown is rendered with HTML switched off, so a tag is shown as its text; and a name
    # inside Markdown is escaped, so `**bold**` or `[link](...)` is not formatting
    # (long names only: "-1" or "+1" occur in any date)
    markup = [t for t in [*PEOPLE_NAMES, *also] if formatting.md_text(t) != t and len(t) > 4]
    for element in (*at.markdown, *at.caption, *at.info, *at.warning, *at.success):
        assert not getattr(element.proto, "allow_html", False), element.value
        assert [t for t in markup if t in element.value] == [], element.value


def test_reject_log_keeps_raw_hostile_rows(fresh, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("opportunity_id,owner_id,amount,stage_name,close_date\n"
                    "X1,NOBODY,10,Proposal,2026-12-01\n"
                    f'"{HOSTILE[0]}",R1,"{HOSTILE[4]}",Proposal,2026-12-01\n', encoding="utf-8")
    con = fresh()
    result = importing.import_file(con, path, as_of=AS_OF)
    stored = con.execute("select " + ", ".join(REJECT_COLUMNS) + " from import_rejects "
                         "where import_id = $id order by line_number",
                         {"id": result.import_id}).df()
    assert stored["value"].tolist() == ["NOBODY", HOSTILE[4]]
    assert stored["raw_row"].tolist()[1] == f'"{HOSTILE[0]}",R1,"{HOSTILE[4]}",Proposal,2026-12-01'
