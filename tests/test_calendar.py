from datetime import date

import pytest

from forecast.calendar import PeriodError, parse_period, period_containing, periods_between


@pytest.mark.parametrize(
    ("period_id", "start_month", "start", "end"),
    [
        ("2026-Q4", 1, date(2026, 10, 1), date(2026, 12, 31)),
        ("2026", 1, date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-M2", 1, date(2026, 2, 1), date(2026, 2, 28)),
        # February start: FY2027 is Feb 2026 .. Jan 2027, its Q4 spans the new year
        ("2027", 2, date(2026, 2, 1), date(2027, 1, 31)),
        ("2027-Q4", 2, date(2026, 11, 1), date(2027, 1, 31)),
        ("2027-M1", 2, date(2026, 2, 1), date(2026, 2, 28)),
        ("2027-Q1", 7, date(2026, 7, 1), date(2026, 9, 30)),
    ],
)
def test_period_bounds(period_id, start_month, start, end):
    p = parse_period(period_id, start_month)
    assert (p.start_date, p.end_date) == (start, end)


def test_period_containing_with_february_start():
    assert period_containing(date(2026, 1, 15), "quarter", 2).period_id == "2026-Q4"
    assert period_containing(date(2026, 2, 1), "quarter", 2).period_id == "2027-Q1"
    assert period_containing(date(2026, 11, 23), "month", 2).period_id == "2027-M10"


def test_periods_between_covers_every_year_quarter_month():
    found = periods_between(date(2026, 3, 1), date(2027, 2, 1))
    assert len(found) == 2 * 17
    assert found[0].period_id == "2026" and found[-1].period_id == "2027-M12"


@pytest.mark.parametrize("bad", ["2026-Q5", "2026-M13", "Q4-2026", "", "2026Q4"])
def test_bad_period_ids_are_explained(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)
