"""The fiscal calendar: months, quarters and years from a configurable start month.

A fiscal year is named by the calendar year in which it ends: with a February start, FY2027
runs from 2026-02-01 to 2027-01-31. With the default January start, fiscal = calendar.
Period ids: '2026' (year), '2026-Q4' (quarter), '2026-M11' (month, 1 = the first fiscal month).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

FISCAL_START_SETTING = "fiscal_year_start_month"
_PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>[QM])(?P<num>\d{1,2}))?$")


class PeriodError(ValueError):
    """A period id that does not name a fiscal period."""


@dataclass(frozen=True)
class Period:
    period_id: str
    period_type: str
    fiscal_year: int
    fiscal_quarter: int | None
    fiscal_month: int | None
    start_date: date
    end_date: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _month_start(start_month: int, fiscal_year: int, offset: int) -> date:
    first_year = fiscal_year if start_month == 1 else fiscal_year - 1
    y, m = _add_months(first_year, start_month, offset)
    return date(y, m, 1)


def _span(fiscal_year: int, start_month: int, first: int, count: int) -> tuple[date, date]:
    start = _month_start(start_month, fiscal_year, first)
    after = _month_start(start_month, fiscal_year, first + count)
    return start, after - timedelta(days=1)


def parse_period(period_id: str, start_month: int = 1) -> Period:
    """The fiscal period named `period_id`; raises PeriodError with a readable message."""
    match = _PERIOD_RE.match(period_id.strip())
    if not match:
        raise PeriodError(
            f"'{period_id}' is not a period. Use a fiscal year (2026), quarter (2026-Q4) "
            "or month (2026-M11)."
        )
    year, kind, num = int(match["year"]), match["kind"], match["num"]
    if kind is None:
        start, end = _span(year, start_month, 0, 12)
        return Period(f"{year}", "year", year, None, None, start, end)
    n = int(num)
    if kind == "Q":
        if not 1 <= n <= 4:
            raise PeriodError(f"'{period_id}': a quarter is Q1 to Q4.")
        start, end = _span(year, start_month, (n - 1) * 3, 3)
        return Period(f"{year}-Q{n}", "quarter", year, n, None, start, end)
    if not 1 <= n <= 12:
        raise PeriodError(f"'{period_id}': a month is M1 to M12.")
    start, end = _span(year, start_month, n - 1, 1)
    return Period(f"{year}-M{n}", "month", year, (n - 1) // 3 + 1, n, start, end)


def fiscal_year_of(day: date, start_month: int = 1) -> int:
    if start_month == 1:
        return day.year
    return day.year + 1 if day.month >= start_month else day.year


def period_containing(day: date, period_type: str = "quarter", start_month: int = 1) -> Period:
    fy = fiscal_year_of(day, start_month)
    month_index = (day.month - start_month) % 12  # 0 = first fiscal month
    if period_type == "year":
        return parse_period(f"{fy}", start_month)
    if period_type == "quarter":
        return parse_period(f"{fy}-Q{month_index // 3 + 1}", start_month)
    if period_type == "month":
        return parse_period(f"{fy}-M{month_index + 1}", start_month)
    raise PeriodError(f"Unknown period type '{period_type}'.")


def periods_between(first: date, last: date, start_month: int = 1) -> list[Period]:
    """Every fiscal year, quarter and month that overlaps [first, last]."""
    out: list[Period] = []
    for fy in range(fiscal_year_of(first, start_month), fiscal_year_of(last, start_month) + 1):
        out.append(parse_period(f"{fy}", start_month))
        out += [parse_period(f"{fy}-Q{q}", start_month) for q in range(1, 5)]
        out += [parse_period(f"{fy}-M{m}", start_month) for m in range(1, 13)]
    return out


def fiscal_start_month(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "select value from settings where key = $key", {"key": FISCAL_START_SETTING}
    ).fetchone()
    return int(row[0]) if row else 1


def rebuild_fiscal_periods(
    con: duckdb.DuckDBPyConnection, first: date, last: date, start_month: int | None = None
) -> int:
    """Regenerate the fiscal_periods table (derived data) for the years around [first, last]."""
    if start_month is None:
        start_month = fiscal_start_month(con)
    if not 1 <= start_month <= 12:
        raise PeriodError("The fiscal year start month must be 1 to 12.")
    rows = [
        (p.period_id, p.period_type, p.fiscal_year, p.fiscal_quarter, p.fiscal_month,
         p.start_date, p.end_date)
        for p in periods_between(first, last, start_month)
    ]
    con.execute("delete from fiscal_periods")
    con.executemany("insert into fiscal_periods values (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "insert or replace into settings values ($key, $value)",
        {"key": FISCAL_START_SETTING, "value": str(start_month)},
    )
    return len(rows)
