"""Forecast calls: weekly lock, stale carry-forward, and no call is ever changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from forecast import calls

import tiny_company

FRIDAY_5PM = calls.parse_lock("4 17:00")


@pytest.fixture
def with_calls(con):
    tiny_company.load(con)
    for person, at, commit, best in [
        ("M1", datetime(2026, 11, 6, 16, 0), 250, 600),
        ("M1", datetime(2026, 11, 13, 16, 30), 300, 650),
        ("M1", datetime(2026, 11, 13, 17, 30), 320, 700),  # after the lock: next week's call
        ("M2", datetime(2026, 11, 6, 10, 0), 900, 1200),
    ]:
        calls.submit_call(con, person, "2026-Q4", commit, best, "", person, at)
    return con


@pytest.mark.parametrize(
    ("moment", "lock"),
    [
        (datetime(2026, 11, 20, 16, 59), datetime(2026, 11, 20, 17, 0)),
        (datetime(2026, 11, 20, 17, 0), datetime(2026, 11, 20, 17, 0)),  # the lock itself
        (datetime(2026, 11, 20, 17, 1), datetime(2026, 11, 27, 17, 0)),
        (datetime(2026, 11, 23, 9, 0), datetime(2026, 11, 27, 17, 0)),
    ],
)
def test_week_lock(moment, lock):
    assert calls.week_lock(moment, FRIDAY_5PM) == lock


def test_this_and_last_week_with_stale_carry_forward(with_calls):
    monday = datetime(2026, 11, 23, 9)
    assert calls.review_moment(date(2026, 11, 20), FRIDAY_5PM, monday, is_live=True) == monday
    moment = calls.review_moment(date(2026, 11, 20), FRIDAY_5PM, monday, is_live=False)
    assert moment == datetime(2026, 11, 20, 17, 0)
    table = calls.this_and_last_week(with_calls, ["M1", "M2", "R1"], "2026-Q4",
                                     date(2026, 11, 20), moment, FRIDAY_5PM
                                     ).set_index("person_id")
    # M1: the 17:30 call of 2026-11-13 missed that week's lock, so it is this week's call
    assert table.loc["M1", ["commit_amount", "best_case_amount"]].tolist() == [320, 700]
    assert table.loc["M1", ["commit_amount_last_week", "best_case_amount_last_week"]].tolist() == [
        300, 650]
    assert not table.loc["M1", "is_stale"]
    # M2 called once, on 2026-11-06: carried forward into both weeks, stale in both
    assert table.loc["M2", "commit_amount"] == 900 and table.loc["M2", "is_stale"]
    assert table.loc["M2", "is_stale_last_week"]
    assert table.loc["R1"].isna()["commit_amount"]  # never called


def test_a_new_call_is_a_new_row_and_earlier_rows_do_not_change(with_calls):
    before = with_calls.execute("select * from submissions order by submission_id").fetchall()
    new_id = calls.submit_call(with_calls, "M1", "2026-Q4", 330, 710, "up", "V",
                               datetime(2026, 11, 20, 9))
    after = with_calls.execute("select * from submissions order by submission_id").fetchall()
    assert after[:-1] == before and len(after) == len(before) + 1
    assert after[-1][0] == new_id and after[-1][7] == "V"


@pytest.mark.parametrize(
    ("person", "commit", "best", "message"),
    [
        ("M1", -1, 10, "cannot be negative"),
        ("M1", 500, 400, "at least the commit"),
        ("NOBODY", 1, 2, "not a person"),
    ],
)
def test_bad_calls_write_nothing(with_calls, person, commit, best, message):
    with pytest.raises(calls.CallError, match=message):
        calls.submit_call(with_calls, person, "2026-Q4", commit, best, "", "V",
                          datetime(2026, 11, 20, 9))
    assert with_calls.execute("select count(*) from submissions").fetchone() == (4,)


def test_lock_setting_is_validated():
    assert calls.parse_lock("0 09:30").describe() == "Monday 09:30"
    with pytest.raises(calls.CallError):
        calls.parse_lock("Friday 5pm")


def test_live_review_on_monday_keeps_fridays_calls_fresh(with_calls):
    # the data speaks for Friday 2026-11-20; on Monday the week under review is still the one
    # of the as-of date, so M1's call of 2026-11-13 17:30 is this week's and not stale
    monday = datetime(2026, 11, 23, 9)
    moment = calls.review_moment(date(2026, 11, 20), FRIDAY_5PM, monday, is_live=True)
    table = calls.this_and_last_week(with_calls, ["M1"], "2026-Q4", date(2026, 11, 20), moment,
                                     FRIDAY_5PM).set_index("person_id")
    assert table.loc["M1", "commit_amount"] == 320 and not table.loc["M1", "is_stale"]


def _two_reads_merged(con, people, period_id, as_of, moment, lock):
    """this_and_last_week by its definition: the calls standing at the moment and at the
    lock that opened the week, each read with calls_at, merged per person."""
    opened = calls.week_start(as_of, lock)
    this = calls.calls_at(con, people, period_id, moment, opened)
    last = calls.calls_at(con, people, period_id, opened, opened - timedelta(days=7))
    both = this.merge(last, on="person_id", how="outer", suffixes=("", "_last_week"))
    return pd.DataFrame({"person_id": people}).merge(both, on="person_id", how="left")


@pytest.mark.parametrize("moment", [datetime(2026, 11, 20, 17), datetime(2026, 11, 13, 17),
                                    datetime(2026, 11, 23, 9), datetime(2026, 11, 6, 12)])
def test_this_and_last_week_in_one_read_is_two_reads_merged(with_calls, moment):
    """One query instead of two reads and two merges (the review reads it every run): the
    same frame, types included, whoever called or not, in the order asked."""
    calls.submit_call(with_calls, "R1", "2026-Q4", 10, 20, "first", "R1",
                      datetime(2026, 11, 16, 8))
    calls.submit_call(with_calls, "R1", "2026-Q4", 15, 25, "again", "R1",
                      datetime(2026, 11, 16, 8))  # the same minute: the later id stands
    people = ["R2", "M2", "R1", "M1", "V"]
    as_of = moment.date()
    table = calls.this_and_last_week(with_calls, people, "2026-Q4", as_of, moment,
                                     FRIDAY_5PM)
    merged = _two_reads_merged(with_calls, people, "2026-Q4", as_of, moment, FRIDAY_5PM)
    # a column blank in every row (nobody's call stood last week) is typed as it comes
    blank = [c for c in merged.columns if merged[c].isna().all()]
    assert table.columns.tolist() == merged.columns.tolist()
    assert table[blank].isna().all().all()
    pd.testing.assert_frame_equal(table.drop(columns=blank), merged.drop(columns=blank))
    assert table.person_id.tolist() == people
