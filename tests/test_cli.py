"""The command line gives the same numbers as the library, and plain errors."""

from __future__ import annotations

import json

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
    code = cli.main(["--db", str(tiny_path), "summary", "--period", "2026-Q4", "--team", "V",
                     "--as-of", "2026-11-20", "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    total = out["rows"][-1]
    assert total["name"] == "Vera VP (team total)"
    assert (total["commit_forecast"], total["best_case_forecast"], total["upside"]) == (
        1300, 1650, 350)
    assert [r["member_id"] for r in out["rows"]] == ["V", "M1", "M2", "V"]


def test_summary_csv_as_of_snapshot(tiny_path, capsys):
    assert cli.main(["--db", str(tiny_path), "summary", "--team", "V", "--as-of", "2026-11-16",
                     "--period", "2026-Q4", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = lines[0].split(",")
    total = dict(zip(header, lines[-1].split(","), strict=True))
    assert float(total["best_case_forecast"]) == 1100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summary", "--period", "2026-Q9"], "a quarter is Q1 to Q4"),
        (["summary", "--period", "Q4"], "is not a period"),
        (["summary", "--team", "NOBODY", "--as-of", "2026-11-20"], "not an active person"),
        (["summary", "--as-of", "2020-01-01"], "no history before"),
    ],
)
def test_errors_are_one_sentence_and_exit_2(tiny_path, capsys, args, message):
    assert cli.main(["--db", str(tiny_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
