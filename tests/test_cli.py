"""The command line gives the same numbers as the library, and plain errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from forecast import cli, db

import tiny_company


@pytest.fixture
def tiny_path(tmp_path):
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    tiny_company.load(con)
    con.close()
    return path


def test_summary_json(tiny_path, capsys):
    code = cli.main(["--db", str(tiny_path), "report", "forecast", "--period", "2026-Q4",
                     "--team", "V", "--as-of", "2026-11-20", "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    total = out["rows"][-1]
    assert total["label"] == "Vera VP's team (total)"
    assert (total["commit_forecast"], total["best_case_forecast"], total["upside"]) == (
        1300, 1650, 350)
    assert [r["member_id"] for r in out["rows"]] == ["M1", "M2", None]


def test_summary_csv_as_of_snapshot(tiny_path, capsys):
    assert cli.main(["--db", str(tiny_path), "report", "forecast", "--team", "V", "--as-of",
                     "2026-11-16", "--period", "2026-Q4", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = lines[0].split(",")
    total = dict(zip(header, lines[-1].split(","), strict=True))
    assert float(total["best_case_forecast"]) == 1100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "forecast", "--period", "2026-Q9"], "a quarter is Q1 to Q4"),
        (["report", "forecast", "--period", "Q4"], "is not a period"),
        (["report", "forecast", "--team", "NOBODY", "--as-of", "2026-11-20"],
         "not an active person"),
        (["report", "forecast", "--as-of", "2020-01-01"], "no history before"),
        (["report", "forecast", "--as-of", "2999-01-01"], "in the future"),
    ],
)
def test_errors_are_one_sentence_and_exit_2(tiny_path, capsys, args, message):
    assert cli.main(["--db", str(tiny_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_single_category_and_deals_reports(tiny_path, capsys):
    base = ["--db", str(tiny_path), "report"]
    opts = ["--team", "M1", "--period", "2026-Q4", "--as-of", "2026-11-20", "--format", "json"]
    assert cli.main([*base, "forecast", "--single-category", *opts]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[-1]["best_case_amount"] == 350 and "commit_forecast" not in rows[-1]
    assert cli.main([*base, "deals", *opts]) == 0
    deals = json.loads(capsys.readouterr().out)["rows"]
    assert sorted(d["opportunity_id"] for d in deals) == ["D1", "D2", "D3", "D6"]
    assert next(d for d in deals if d["opportunity_id"] == "D6")["risks"] == "Category differs"


def test_summary_prints_counts_and_top_team(tiny_path, capsys):
    assert cli.main(["--db", str(tiny_path), "summary"]) == 0
    out = capsys.readouterr().out
    assert "Live data as of 2026-11-20." in out
    assert "Vera VP's team, 2026-Q4: closed $100, commit forecast $1,300" in out


def test_rollup_report_with_depth(tiny_path, capsys):
    con = db.connect(tiny_path)
    tiny_company.load_calls(con)
    con.close()
    assert cli.main(["--db", str(tiny_path), "report", "rollup", "--team", "V", "--depth", "1",
                     "--period", "2026-Q4", "--as-of", "2026-11-20", "--format", "json"]) == 0
    rows = {r["person_id"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert sorted(rows) == ["M1", "M2", "V"]
    assert (rows["V"]["rolled_up"], rows["V"]["effective"]) == (1230, 1250)
    assert rows["M1"]["adjustment_note"] == "hold M1 to R1's call"


def test_db_option_before_or_after_the_command(tiny_path, capsys):
    assert cli.main(["summary", "--db", str(tiny_path)]) == 0
    assert "Live data as of 2026-11-20." in capsys.readouterr().out


def test_demo_command_builds_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "demo.duckdb"
    assert cli.main(["demo", "--db", str(path), "--reps", "12", "--quarters", "2"]) == 0
    con = db.connect(path)
    assert con.execute("select count(*) > 100 from opportunities").fetchone() == (True,)
    con.close()
    assert cli.main(["demo", "--db", str(path)]) == 2
    assert "use --force" in capsys.readouterr().out


def test_output_closed_early_stops_with_one_line(tiny_path):
    """`forecast ... | head -1` where head has gone: one sentence on stderr, no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "forecast", "--db", str(tiny_path), "report", "deals",
         "--period", "2026-Q4", "--format", "csv"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()   # before the child has started writing
    err = proc.stderr.read()
    assert proc.wait() == 2
    assert err == "error: the output was closed early; the command stopped there.\n"
