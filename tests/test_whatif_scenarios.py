"""Saved scenarios (append-only, with who and when), the side-by-side comparison and the
`forecast whatif` command, on the tiny company.

The tiny company has no history a projection could learn from, so every open deal of Vera's
team in 2026-Q4 gets its stage default and closes in the period: D2 200 x .8, D3 300 x .5,
D4 400 x .1, D6 50 x .8, D7 1,000 x .5, plus Closed 100 (D1): mean 990, sd 542.
Vera's call (2026-11-20 15:00): commit 1,250, best case 1,700. Reaching 1,250 needs D7 (the
rest make at most 1,050) and at least 150 more, i.e. not losing D2, D3 and D4 all at once:
P = .5 x (1 - .2 x .5 x .9) = .455. With D7 lost the landing is at most 1,050: P = 0, and the
mean is 990 - 500 = 490 (sd without D7: 209).
Tolerances (20,000 simulations): shares within .014; means within 4 sd / 141.4 (15 and 6).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from forecast import asof, cli, db
from forecast.calendar import parse_period
from forecast.whatif import WhatIfError, compare, projection, scenarios
from forecast.whatif.levers import Levers

import tiny_company

Q4 = parse_period("2026-Q4")
N = 20_000
MONDAY = datetime(2026, 11, 23, 9)


@pytest.fixture
def tiny(con):
    tiny_company.load(con)
    tiny_company.load_calls(con)
    return con


def test_saving_again_adds_a_version_and_keeps_the_first(tiny):
    v1 = scenarios.save(tiny, "  D7 lost ", Levers(lost=("D7",)), "Ana", MONDAY,
                        note="if the big one goes", period_id="2026-Q4", team_id="V")
    v2 = scenarios.save(tiny, "D7 lost", Levers(lost=("D7",), win_rate_pts=5), "Ben",
                        datetime(2026, 11, 23, 10))
    assert (v1, v2) == (1, 2)
    latest = scenarios.load(tiny, "D7 lost")
    assert (latest.version, latest.saved_by, latest.levers.win_rate_pts) == (2, "Ben", 5)
    first = scenarios.load(tiny, "D7 lost", version=1)
    assert (first.saved_by, first.saved_at, first.note) == ("Ana", MONDAY, "if the big one goes")
    assert first.levers == Levers(lost=("D7",))
    assert scenarios.versions(tiny, "D7 lost").saved_by.tolist() == ["Ana", "Ben"]
    listed = scenarios.saved(tiny)
    assert listed.name.tolist() == ["D7 lost"] and listed.version.tolist() == [2]


@pytest.mark.parametrize(("name", "by", "message"), [
    ("", "Ana", "Give the scenario a name"),
    ("x" * 121, "Ana", "at most 120 characters"),
    ("Fine", " ", "Say who is saving the scenario"),
])
def test_saving_needs_a_name_and_who(tiny, name, by, message):
    with pytest.raises(WhatIfError, match=message):
        scenarios.save(tiny, name, Levers(), by, MONDAY)
    assert scenarios.saved(tiny).empty


def test_loading_an_unknown_scenario(tiny):
    with pytest.raises(WhatIfError, match="There is no saved scenario 'Nope'"):
        scenarios.load(tiny, "Nope")


def test_comparison_beside_the_baseline_and_the_call(tiny):
    when = asof.resolve_as_of(tiny, tiny_company.TODAY, today=tiny_company.TODAY)
    base = projection.baseline(tiny, "V", Q4, when)
    call = compare.standing_call(tiny, "V", Q4, when, MONDAY)
    assert (call.commit, call.best_case) == (1250, 1700)
    table = compare.comparison(base, [("D7 lost", 1, Levers(lost=("D7",)))], call, N, 7)
    rows = table.set_index("scenario")
    assert rows.index.tolist() == ["Baseline", "D7 lost", "Submitted call"]
    assert rows.loc["Baseline", "mean"] == pytest.approx(990, abs=15)
    assert rows.loc["Baseline", "p_reach_call"] == pytest.approx(0.455, abs=0.014)
    # D7 (Commit, 1,000) lost: commit 1,300 -> 300, best case 1,650 -> 650
    assert rows.loc["D7 lost", ["commit_forecast", "best_case_forecast"]].tolist() == [300, 650]
    assert rows.loc["D7 lost", "mean"] == pytest.approx(490, abs=6)
    assert rows.loc["D7 lost", "p_reach_call"] == 0.0
    assert rows.loc["D7 lost", "levers"] == "1 deal picked as lost"
    assert rows.loc["Submitted call", ["commit_forecast", "best_case_forecast"]].tolist() == [
        1250, 1700]
    assert rows.loc["Baseline", "p_reach_quota"] == 0.0  # quota 3,000 > 2,050, all deals won


@pytest.fixture
def tiny_path(tmp_path):
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    tiny_company.load(con)
    scenarios.save(con, "D7 lost", Levers(lost=("D7",)), "Ana", MONDAY)
    con.close()
    return path


OPTS = ["--team", "V", "--period", "2026-Q4", "--as-of", "2026-11-20"]


def test_cli_projection_and_saved_scenario_as_json(tiny_path, capsys):
    code = cli.main(["--db", str(tiny_path), "whatif", *OPTS, "--scenario", "D7 lost",
                     "--simulations", "20000", "--seed", "3", "--format", "json"])
    out = capsys.readouterr()
    assert code == 0
    rows = {r["scenario"]: r for r in json.loads(out.out)["rows"]}
    assert rows["Baseline"]["mean"] == pytest.approx(990, abs=15)
    assert rows["D7 lost"]["mean"] == pytest.approx(490, abs=6)
    assert (rows["D7 lost"]["version"], rows["D7 lost"]["seed"]) == (1, 3)
    assert "No history to learn from" in out.err
    # same seed, same numbers
    cli.main(["--db", str(tiny_path), "whatif", *OPTS, "--scenario", "D7 lost",
              "--simulations", "20000", "--seed", "3", "--format", "json"])
    assert {r["scenario"]: r for r in json.loads(capsys.readouterr().out)["rows"]} == rows


def test_cli_csv_and_text(tiny_path, capsys):
    assert cli.main(["--db", str(tiny_path), "whatif", *OPTS, "--format", "csv",
                     "--simulations", "1000"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("scenario,version,levers,closed,commit_forecast")
    assert lines[1].startswith("Baseline,,Baseline (no lever moved),100.0,1300.0,1650.0")
    # a saved scenario as csv, seeded: its row beside the baseline's, the same on a rerun
    args = ["--db", str(tiny_path), "whatif", *OPTS, "--scenario", "D7 lost", "--format",
            "csv", "--simulations", "2000", "--seed", "5"]
    assert cli.main(args) == 0
    first = capsys.readouterr().out
    rows = first.strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["Baseline", "D7 lost"]
    assert rows[2].startswith("D7 lost,1,1 deal picked as lost,100.0,300.0,650.0")
    assert rows[2].endswith(",2000,5")
    assert cli.main(args) == 0 and capsys.readouterr().out == first
    assert cli.main(["--db", str(tiny_path), "whatif", *OPTS, "--simulations", "1000"]) == 0
    text = capsys.readouterr().out
    assert "Vera VP's team, 2026-Q4" in text and "Commit forecast" in text and "$1,300" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-Q3", "--as-of", "2026-11-20"], "2026-Q3 ended on 2026-09-30"),
    (["--period", "2027-Q2", "--team", "V"], "no open deals closing in 2027-Q2"),
    ([*OPTS, "--scenario", "Nope"], "There is no saved scenario 'Nope'"),
    ([*OPTS, "--simulations", "5"], "between 100 and 100,000"),
])
def test_cli_errors_are_one_line_and_exit_2(tiny_path, capsys, args, message):
    assert cli.main(["--db", str(tiny_path), "whatif", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
