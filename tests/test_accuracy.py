"""Accuracy and bias of calls at a fixed week, on the tiny company (2026-Q4 has ended once the
tests pretend it is 2027). Actual Closed in 2026-Q4, final state: R1 100 (D1); M1's team
(M1, R1 on 2026-12-31) 100; M2's team 0 (left out: undefined); V's team 100."""

from __future__ import annotations

from datetime import datetime

import pytest

from forecast import accuracy, calls
from forecast.calendar import parse_period

import tiny_company

Q4 = parse_period("2026-Q4")
LOCK = calls.parse_lock("4 17:00")


@pytest.fixture
def scored(con):
    tiny_company.load(con)
    for person, at, commit in [
        ("R1", datetime(2026, 10, 1, 9), 80),     # standing at week 1's lock (2026-10-02 17:00)
        ("R1", datetime(2026, 10, 7, 9), 150),    # week 2 onwards
        ("M1", datetime(2026, 10, 2, 9), 120),
        ("V", datetime(2026, 10, 2, 9), 50),
        ("M2", datetime(2026, 10, 2, 9), 400),    # nothing closed in M2's team: left out
    ]:
        calls.submit_call(con, person, "2026-Q4", commit, commit, "", person, at)
    return con


def test_week_moment():
    assert accuracy.week_moment(Q4, 1, LOCK) == datetime(2026, 10, 2, 17)
    assert accuracy.week_moment(Q4, 2, LOCK) == datetime(2026, 10, 9, 17)


def test_accuracy_at_week_one(scored):
    table = accuracy.accuracy_table(scored, "V", [Q4], week=1).set_index("person_id")
    assert sorted(table.index) == ["M1", "R1", "V"]
    # R1: call 80 vs 100 -> error 0.2, accuracy 0.8, bias -0.2 (sandbagging)
    assert table.loc["R1", ["error", "accuracy", "bias"]].tolist() == pytest.approx(
        [0.2, 0.8, -0.2])
    # M1: 120 vs 100 -> accuracy 0.8, bias +0.2 (over-calling); V: 50 vs 100 -> 0.5, -0.5
    assert table.loc["M1", "bias"] == pytest.approx(0.2)
    assert table.loc["V", "accuracy"] == pytest.approx(0.5)
    levels = accuracy.by_level(table.reset_index()).set_index("depth")
    assert levels.loc[1, "accuracy"] == pytest.approx(0.8)
    assert levels.loc[2, "bias"] == pytest.approx(-0.2)


def test_accuracy_later_week_and_by_week(scored):
    table = accuracy.accuracy_table(scored, "V", [Q4], week=2).set_index("person_id")
    # R1's 150 call: error 0.5 -> accuracy 0.5, bias +0.5
    assert table.loc["R1", ["accuracy", "bias"]].tolist() == pytest.approx([0.5, 0.5])
    weeks = accuracy.by_week(scored, "V", [Q4], weeks=2).set_index("week")
    # week 1: mean of R1 0.8, M1 0.8, V 0.5; week 2: R1 0.5, M1 0.8, V 0.5
    assert weeks.loc[1, "accuracy"] == pytest.approx(2.1 / 3)
    assert weeks.loc[2, "accuracy"] == pytest.approx(1.8 / 3)
    assert weeks.loc[2, "bias"] == pytest.approx((0.5 + 0.2 - 0.5) / 3)


def test_two_calls_at_the_same_moment_the_later_entered_stands(scored):
    # M1 (team actual 100) calls 90 then 100 at the same minute before week 1's lock: the
    # 100 entered last stands, accuracy 1, bias 0; at week 2 it still stands (carried forward)
    at = datetime(2026, 10, 2, 10)
    calls.submit_call(scored, "M1", "2026-Q4", 90, 90, "", "M1", at)
    calls.submit_call(scored, "M1", "2026-Q4", 100, 100, "", "M1", at)
    for week in (1, 2):
        table = accuracy.accuracy_table(scored, "V", [Q4], week=week).set_index("person_id")
        assert table.loc["M1", ["call", "accuracy", "bias"]].tolist() == pytest.approx(
            [100, 1, 0])
