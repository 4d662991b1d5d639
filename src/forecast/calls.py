"""Forecast calls (submissions) and manager adjustments: append-only, never updated.

A call week ends at the lock time (Friday 17:00 by default, setting `call_lock` as
'<weekday 0=Mon..6=Sun> <HH:MM>'). The call of a week is the person's latest submission at or
before that week's lock; a week without a new submission carries the previous call forward
and is marked stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import duckdb
import numpy as np
import pandas as pd

from forecast import db, queries
from forecast.calendar import PeriodError, fiscal_start_month, parse_period

LOCK_SETTING = "call_lock"
DEFAULT_LOCK = "4 17:00"


class CallError(ValueError):
    """A call or adjustment that cannot be recorded; nothing was written."""


@dataclass(frozen=True)
class Lock:
    weekday: int  # 0 = Monday
    at: time

    def describe(self) -> str:
        day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        return f"{day[self.weekday]} {self.at:%H:%M}"


def parse_lock(text: str) -> Lock:
    try:
        weekday, hhmm = text.split()
        hours, minutes = hhmm.split(":")
        lock = Lock(int(weekday), time(int(hours), int(minutes)))
    except ValueError as exc:
        raise CallError(f"'{text}' is not a lock time; use '<weekday 0-6> <HH:MM>'.") from exc
    if not 0 <= lock.weekday <= 6:
        raise CallError("The lock weekday is 0 (Monday) to 6 (Sunday).")
    return lock


def lock_of(con: duckdb.DuckDBPyConnection) -> Lock:
    return parse_lock(db.get_setting(con, LOCK_SETTING, DEFAULT_LOCK))


def week_lock(moment: datetime, lock: Lock) -> datetime:
    """The lock that closes the call week containing `moment` (the first lock at or after)."""
    days_ahead = (lock.weekday - moment.weekday()) % 7
    candidate = datetime.combine(moment.date() + timedelta(days=days_ahead), lock.at)
    return candidate if candidate >= moment else candidate + timedelta(days=7)


def submit_call(
    con: duckdb.DuckDBPyConnection, person_id: str, period_id: str, commit_amount: float,
    best_case_amount: float, note: str, entered_by: str, at: datetime,
) -> int:
    """Record a call as a new row, checks and write in one transaction; returns its id.
    Never changes an earlier call, and refuses one dated before the person's latest call for
    the period (it would change what stood in between)."""
    _check_amounts(commit_amount, best_case_amount)
    with db.transaction(con):
        _check_person(con, person_id)
        _check_open(con, period_id, at)
        _check_not_backdated(con, "submissions", person_id, period_id, at)
        (new_id,) = con.execute(
            "insert into submissions (person_id, period_id, commit_amount, best_case_amount, "
            "note, submitted_at, entered_by) values ($p, $period, $c, $b, $note, $at, $by) "
            "returning submission_id",
            {"p": person_id, "period": period_id, "c": commit_amount, "b": best_case_amount,
             "note": note, "at": at, "by": entered_by},
        ).fetchall()[0]
    return int(new_id)


def adjust_call(
    con: duckdb.DuckDBPyConnection, manager_id: str, person_id: str, period_id: str,
    commit_amount: float, best_case_amount: float, note: str, entered_by: str, at: datetime,
) -> int:
    """Record a manager's change to a direct report's call as a new row; returns its id.

    It changes what rolls up from the manager's level, not the report's own call. The report
    must report to the manager on the date of `at`. Checks and write are one transaction; an
    adjustment dated before the latest one of the report's call for the period is refused."""
    _check_amounts(commit_amount, best_case_amount)
    with db.transaction(con):
        _check_person(con, person_id)
        _check_person(con, manager_id)
        _check_open(con, period_id, at)
        _check_manager(con, manager_id, person_id, at)
        _check_not_backdated(con, "adjustments", person_id, period_id, at)
        (new_id,) = con.execute(
            "insert into adjustments (manager_id, person_id, period_id, commit_amount, "
            "best_case_amount, note, adjusted_at, entered_by) "
            "values ($m, $p, $period, $c, $b, $note, $at, $by) returning adjustment_id",
            {"m": manager_id, "p": person_id, "period": period_id, "c": commit_amount,
             "b": best_case_amount, "note": note, "at": at, "by": entered_by},
        ).fetchall()[0]
    return int(new_id)


def _check_manager(con: duckdb.DuckDBPyConnection, manager_id: str, person_id: str,
                   at: datetime) -> None:
    line = con.execute(
        "select manager_id from lines_as_of($d) where person_id = $p and is_active",
        {"d": at.date(), "p": person_id},
    ).fetchall()
    if not line or line[0][0] is None:
        raise CallError(f"'{person_id}' has no manager on {at:%Y-%m-%d}: nobody can adjust "
                        "their call.")
    if line[0][0] != manager_id:
        raise CallError(f"'{person_id}' is not a direct report of '{manager_id}' on "
                        f"{at:%Y-%m-%d}: only their manager ('{line[0][0]}') can adjust the "
                        "call.")


# the latest entry of a person's call for a period, per table
_LATEST = {
    "submissions": "select max(submitted_at) from submissions "
                   "where person_id = $p and period_id = $period",
    "adjustments": "select max(adjusted_at) from adjustments "
                   "where person_id = $p and period_id = $period",
}


def _check_not_backdated(con: duckdb.DuckDBPyConnection, table: str, person_id: str,
                         period_id: str, at: datetime) -> None:
    """History is never rewritten: an entry dated before the latest one would change what
    stood between the two dates."""
    (latest,) = con.execute(_LATEST[table], {"p": person_id, "period": period_id}
                            ).fetchall()[0]
    if latest is not None and at < latest:
        what = "call" if table == "submissions" else "adjustment of the call"
        raise CallError(
            f"The latest {what} of '{person_id}' for {period_id} was recorded at "
            f"{latest:%Y-%m-%d %H:%M}; one dated {at:%Y-%m-%d %H:%M}, before it, would rewrite "
            "what stood in between. Date it now.")


def _check_open(con: duckdb.DuckDBPyConnection, period_id: str, at: datetime) -> None:
    """Calls and adjustments close when the period ends: its number is then final."""
    try:
        period = parse_period(period_id, fiscal_start_month(con))
    except PeriodError as exc:
        raise CallError(str(exc)) from exc
    if at.date() > period.end_date:
        raise CallError(f"{period_id} is locked: it ended on {period.end_date:%Y-%m-%d}, so its "
                        "calls and adjustments can no longer change.")


def _check_amounts(commit_amount: float, best_case_amount: float) -> None:
    if commit_amount < 0 or best_case_amount < 0:
        raise CallError("A call cannot be negative.")
    if best_case_amount < commit_amount:
        raise CallError("Best case must be at least the commit: it includes the commit.")


def _check_person(con: duckdb.DuckDBPyConnection, person_id: str) -> None:
    if not con.execute("select 1 from people where person_id = $p", {"p": person_id}).fetchall():
        raise CallError(f"'{person_id}' is not a person in the hierarchy.")


def calls_at(
    con: duckdb.DuckDBPyConnection, person_ids: list[str], period_id: str, moment: datetime,
    stale_before: datetime,
) -> pd.DataFrame:
    """Each person's call standing at `moment` (latest at or before it), with `is_stale` when
    it was made at or before `stale_before` (the start of the call week under review)."""
    found = queries.frame(con, "calls_at", people=person_ids, period_id=period_id, at=moment)
    found["is_stale"] = found.submitted_at <= stale_before
    return found


def week_start(as_of: date, lock: Lock) -> datetime:
    """The lock that opened the call week of `as_of` (the previous week's lock)."""
    return week_lock(datetime.combine(as_of, time(0)), lock) - timedelta(days=7)


def review_moment(as_of: date, lock: Lock, now: datetime, is_live: bool) -> datetime:
    """The moment a review looks at: now for the live data, else the lock of the as-of date's
    week (the calls as they stood when that week locked)."""
    if is_live:
        return now
    return min(now, week_lock(datetime.combine(as_of, time(0)), lock))


def call_history(con: duckdb.DuckDBPyConnection, person_ids: list[str],
                 period_id: str) -> pd.DataFrame:
    """Every call of these people for the period, oldest first (calls_of_people.sql)."""
    return queries.frame(con, "calls_of_people", people=person_ids, period_id=period_id)


_CALL_COLUMNS = ["submission_id", "commit_amount", "best_case_amount", "note", "submitted_at",
                 "entered_by"]
_ID, _AT = _CALL_COLUMNS.index("submission_id"), _CALL_COLUMNS.index("submitted_at")


def this_and_last_week(
    con: duckdb.DuckDBPyConnection | None, person_ids: list[str], period_id: str, as_of: date,
    moment: datetime, lock: Lock, history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per person: the call standing at `moment` beside the one locked the week
    before the as-of date's call week (NaN where a person has made no call). A call is stale
    when it was made before the week it stands for. `history` (call_history of these people
    and period) can be passed in when the caller has it cached: the moment is usually now,
    so the pick is made here, from the calls, and not by the store."""
    if history is None:
        history = call_history(con, person_ids, period_id)
    opened = week_start(as_of, lock)
    calls = list(zip(history.person_id.tolist(),
                     *(history[c].tolist() for c in _CALL_COLUMNS), strict=True))
    out = {"person_id": pd.array(person_ids, dtype="str")}
    for suffix, at, stale_before in (("", moment, opened),
                                     ("_last_week", opened, opened - timedelta(days=7))):
        standing = _standing(calls, at)
        rows = [standing.get(p) for p in person_ids]
        for i, column in enumerate(_CALL_COLUMNS):
            out[column + suffix] = _typed(column, [None if r is None else r[i] for r in rows])
        # object, a blank one NaN: the type two calls_at frames merged on person_id give
        stale = [np.nan if r is None else bool(r[_AT] <= stale_before) for r in rows]
        out["is_stale" + suffix] = stale if np.nan in stale else np.array(stale, dtype=bool)
    return pd.DataFrame(out)


def _standing(calls: list[tuple], at: datetime) -> dict[str, tuple]:
    """person -> the call standing at `at`: the latest made at or before it (the higher id
    for two made at the same time); `calls` are (person, *_CALL_COLUMNS) tuples."""
    standing: dict[str, tuple] = {}
    for person, *call in calls:
        kept = standing.get(person)
        if call[_AT] <= at and (kept is None or (call[_AT], call[_ID]) > (kept[_AT], kept[_ID])):
            standing[person] = tuple(call)
    return standing


def _typed(column: str, values: list):
    """A column of calls as calls_at gives it: ids and amounts float, times datetime, text
    str (blanks NaN or NaT)."""
    if column in ("submission_id", "commit_amount", "best_case_amount"):
        return np.array(values, dtype=float)
    if column == "submitted_at":
        return np.array(values, dtype="datetime64[us]")
    return pd.array(values, dtype="str")
