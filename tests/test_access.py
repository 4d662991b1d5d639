"""Who sees what, in the library and on the command line, on the tiny company.

The tiny company's lines (tests/tiny_company.py): V at the top; M1 and M2 under V; R1 under
M1; R3 under M2; R2 under M1 until 2026-10-31 and under M2 from 2026-11-01. Emails are added
here (the fixture has none), one of them in mixed case with spaces around it, as a CRM
export might hold it.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from forecast import access, cli, db

import tiny_company

EMAILS = {"V": "vera@tiny.example", "M1": " Max@Tiny.Example ", "M2": "mia@tiny.example",
          "R1": "rob@tiny.example", "R2": "rae@tiny.example", "R3": "ray@tiny.example"}
NOW, BEFORE_MOVE = date(2026, 11, 20), date(2026, 10, 30)


def add_emails(con) -> None:
    con.executemany("update people set email = ? where person_id = ?",
                    [(email, pid) for pid, email in EMAILS.items()])


@pytest.fixture
def tiny(con):
    tiny_company.load(con)
    add_emails(con)
    return con


def test_email_matches_one_person_ignoring_case_and_spaces(tiny):
    assert access.person_for_email(tiny, "max@tiny.example") == "M1"
    assert access.person_for_email(tiny, "  MIA@TINY.EXAMPLE") == "M2"
    assert access.person_for_email(tiny, "nobody@tiny.example") is None
    assert access.person_for_email(tiny, "  ") is None


def test_a_shared_email_matches_nobody_and_says_why(tiny):
    tiny.execute("update people set email = 'team@tiny.example' where person_id in ('R1', 'R3')")
    with pytest.raises(access.AccessError, match="2 people share the email Team@tiny.example"):
        access.person_for_email(tiny, "Team@tiny.example")


def test_a_manager_sees_the_subtree_of_the_chosen_date(tiny):
    m1 = access.viewer_for(tiny, "max@tiny.example")
    m2 = access.viewer_for(tiny, "mia@tiny.example")
    assert (m1.person_id, m1.is_admin, m2.person_id) == ("M1", False, "M2")
    # R2 moved from M1 to M2 on 2026-11-01
    assert access.visible_ids(tiny, m1, NOW) == {"M1", "R1"}
    assert access.visible_ids(tiny, m1, BEFORE_MOVE) == {"M1", "R1", "R2"}
    assert access.visible_ids(tiny, m2, NOW) == {"M2", "R2", "R3"}
    assert access.visible_ids(tiny, m2, BEFORE_MOVE) == {"M2", "R3"}


def test_check_team_refuses_anything_outside_the_subtree(tiny):
    m1 = access.viewer_for(tiny, "max@tiny.example")
    access.check_team(tiny, m1, "R1", NOW)
    access.check_team(tiny, m1, "R2", BEFORE_MOVE)
    for team, day in [("M2", NOW), ("V", NOW), ("R2", NOW), ("R3", BEFORE_MOVE)]:
        with pytest.raises(access.AccessError, match=f"Team '{team}' is outside your own team"):
            access.check_team(tiny, m1, team, day)
    # before anyone's reporting line starts, M1 is nobody's manager, not even their own
    with pytest.raises(access.AccessError, match="not an active person in the hierarchy on "
                       "2025-12-31"):
        access.check_team(tiny, m1, "M1", date(2025, 12, 31))


def test_admins_are_the_top_unless_a_list_is_given(tiny):
    assert access.viewer_for(tiny, "vera@tiny.example").sees_everything
    assert not access.viewer_for(tiny, "max@tiny.example").sees_everything
    listed = ["MIA@tiny.example", "ops@tiny.example"]
    assert access.viewer_for(tiny, "mia@tiny.example", listed).is_admin
    assert not access.viewer_for(tiny, "vera@tiny.example", listed).is_admin
    # a listed admin need not be in the hierarchy (sales operations)
    ops = access.viewer_for(tiny, "ops@tiny.example", listed)
    assert ops.person_id is None and ops.sees_everything
    access.check_team(tiny, ops, "M2", NOW)


def test_an_unknown_email_sees_nothing(tiny):
    stranger = access.viewer_for(tiny, "stranger@else.example")
    assert stranger.sees_nothing
    assert access.visible_ids(tiny, stranger, NOW) == frozenset()
    with pytest.raises(access.AccessError, match="matches no person in the hierarchy"):
        access.check_team(tiny, stranger, "R1", NOW)


def test_single_user_mode_sees_every_team(tiny):
    assert access.visible_ids(tiny, access.SINGLE_USER, NOW) is None
    access.check_team(tiny, access.SINGLE_USER, "M2", NOW)


# ---- the command line ---------------------------------------------------------------------


@pytest.fixture
def tiny_path(tmp_path, monkeypatch):
    monkeypatch.delenv(cli.USER_ENV, raising=False)
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    tiny_company.load(con)
    add_emails(con)
    tiny_company.load_calls(con)
    con.close()
    return path


def _report(path, *args):
    return cli.main(["--db", str(path), "report", *args, "--period", "2026-Q4",
                     "--as-of", "2026-11-20", "--format", "json"])


def test_report_as_a_manager_defaults_to_their_own_team(tiny_path, capsys):
    assert _report(tiny_path, "deals", "--as-user", "max@tiny.example") == 0
    out = json.loads(capsys.readouterr().out)
    # M1's team on 2026-11-20 is M1 and R1: D1, D2, D3 (R1) and D6 (M1) close in Q4; D9 of
    # R1 closed in Q3; D4 and D5 belong to R2, who moved to M2 on 2026-11-01
    assert out["team"] == "M1"
    assert sorted(d["opportunity_id"] for d in out["rows"]) == ["D1", "D2", "D3", "D6"]


@pytest.mark.parametrize("report", ["forecast", "deals", "rollup"])
@pytest.mark.parametrize("team", ["M2", "V", "R2", "R3"])
def test_report_refuses_another_team_by_any_report(tiny_path, capsys, report, team):
    assert _report(tiny_path, report, "--team", team, "--as-user", "max@tiny.example") == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # not a row of the refused team
    assert f"Team '{team}' is outside your own team on 2026-11-20" in captured.err
    assert "Traceback" not in captured.err


def test_report_user_from_the_environment(tiny_path, capsys, monkeypatch):
    monkeypatch.setenv(cli.USER_ENV, "mia@tiny.example")
    assert _report(tiny_path, "forecast") == 0
    total = json.loads(capsys.readouterr().out)["rows"][-1]
    # M2's team: D7 1000 (rep set Commit, closes 2026-11-15) is the only Q4 commit, nothing is
    # closed, D4 400 is pipeline; D5 of R2 was lost and D8 closes in 2027
    assert total["label"] == "Mia Manager's team (total)"
    assert (total["commit_forecast"], total["best_case_forecast"]) == (1000, 1000)
    # --as-user wins over the environment
    assert _report(tiny_path, "forecast", "--team", "R3", "--as-user", "max@tiny.example") == 2


def test_rollup_report_shows_only_the_subtree(tiny_path, capsys):
    assert _report(tiny_path, "rollup", "--as-user", "max@tiny.example") == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert sorted(r["person_id"] for r in rows) == ["M1", "R1"]


def test_report_for_an_unknown_email_is_refused(tiny_path, capsys):
    assert _report(tiny_path, "deals", "--as-user", "stranger@else.example") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "stranger@else.example, which matches no person" in captured.err


def test_summary_scoped_by_the_environment(tiny_path, capsys, monkeypatch):
    monkeypatch.setenv(cli.USER_ENV, "rob@tiny.example")
    assert cli.main(["--db", str(tiny_path), "summary"]) == 0
    # R1 alone: D1 100 won in Q4, D2 200 in Commit -> commit forecast 300
    assert ("Rob Rep's team, 2026-Q4: closed $100, commit forecast $300"
            in capsys.readouterr().out)
