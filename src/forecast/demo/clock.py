"""Day arithmetic for the demo: a date is an int (days since 1970-01-01), held in numpy arrays.

All quarters are calendar quarters because the demo sets the fiscal year to start in January.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from forecast.calendar import Period, period_containing

EPOCH = date(1970, 1, 1)
FRIDAY = 4  # weekday numbers: Monday = 0
NEVER = 10**7  # a day after every real one (year ~29000)
NOW_HOUR = 20  # "now" on the demo's today is 20:00, after the Friday calls and adjustments


def day_of(d: date) -> int:
    return (d - EPOCH).days


def date_of(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def weekday(days):
    return (np.asarray(days) + 3) % 7  # 1970-01-01 was a Thursday


def workday_after(days):
    """Saturday and Sunday move to the next Monday."""
    days = np.asarray(days)
    wd = weekday(days)
    return days + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))


def workday_before(days):
    """Saturday and Sunday move to the previous Friday."""
    days = np.asarray(days)
    wd = weekday(days)
    return days - np.where(wd == 5, 1, np.where(wd == 6, 2, 0))


def month_index(days) -> np.ndarray:
    """Months since 1970-01 (0 = January 1970)."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start_day(months) -> np.ndarray:
    return np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_end(days) -> np.ndarray:
    return month_start_day(month_index(days) + 1) - 1


def quarter_end(days) -> np.ndarray:
    months = month_index(days)
    return month_start_day(months - months % 3 + 3) - 1


def ceil_div(a, b: int):
    return -((-np.asarray(a)) // b)


def stamps(days: np.ndarray) -> np.ndarray:
    """Fractional days since 1970 as datetime64[s]; NaN becomes NaT."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    ok = ~np.isnan(days)
    out[ok] = np.round(days[ok] * 86400).astype(np.int64).astype("datetime64[s]")
    return out


@dataclass(frozen=True)
class Timeline:
    """The demo's dates: history quarters, a warm-up before them, and the Friday snapshots."""

    today: int
    now: float              # today at NOW_HOUR, as a fractional day
    warm_start: int         # deals and leads start flowing here, two quarters before history
    quarters: tuple[Period, ...]
    fridays: np.ndarray     # snapshot days, every Friday from history start to today

    @property
    def history_start(self) -> int:
        return day_of(self.quarters[0].start_date)

    def quarter_starts(self) -> np.ndarray:
        return np.array([day_of(q.start_date) for q in self.quarters])

    def quarter_ends(self) -> np.ndarray:
        return np.array([day_of(q.end_date) for q in self.quarters])

    def quarter_index(self, days) -> np.ndarray:
        """Index into `quarters` of each day, -1 outside the history."""
        days = np.asarray(days)
        idx = np.searchsorted(self.quarter_starts(), days, side="right") - 1
        inside = (idx >= 0) & (days <= self.quarter_ends()[np.clip(idx, 0, None)])
        return np.where(inside, idx, -1)


def build_timeline(today: date, quarters: int, warm_days: int = 182) -> Timeline:
    periods = [period_containing(today, "quarter", 1)]
    while len(periods) < quarters:
        periods.insert(0, period_containing(periods[0].start_date - timedelta(days=1)))
    start = day_of(periods[0].start_date)
    first_friday = start + (FRIDAY - int(weekday(start))) % 7
    t = day_of(today)
    last_friday = t - (int(weekday(t)) - FRIDAY) % 7
    return Timeline(
        today=t,
        now=t + NOW_HOUR / 24,
        warm_start=start - warm_days,
        quarters=tuple(periods),
        fridays=np.arange(first_friday, last_friday + 1, 7, dtype=np.int64),
    )
