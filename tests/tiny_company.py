"""A tiny company whose numbers are worked out by hand in the tests that use it.

People (as of 2026-11-20):        V (VP, top)
                                  ├── M1 (manager, owns deal D6) ── R1
                                  └── M2 (manager) ── R2 (moved from M1 on 2026-11-01), R3
Period 2026-Q4 = 2026-10-01 .. 2026-12-31. Snapshots on Fridays 2026-10-30 and 2026-11-13;
the live state is 2026-11-20.
"""

from __future__ import annotations

from datetime import date, datetime

STAGES = [
    ("Prospecting", 1, 10.0, "Pipeline", False, False),
    ("Proposal", 2, 50.0, "Best Case", False, False),
    ("Negotiation", 3, 80.0, "Commit", False, False),
    ("Closed Won", 4, 100.0, "Closed", True, True),
    ("Closed Lost", 5, 0.0, "Omitted", True, False),
]

PEOPLE = [("V", "Vera VP"), ("M1", "Max Manager"), ("M2", "Mia Manager"),
          ("R1", "Rob Rep"), ("R2", "Rae Rep"), ("R3", "Ray Rep")]

LINES = [
    ("V", None, date(2026, 1, 1)),
    ("M1", "V", date(2026, 1, 1)),
    ("M2", "V", date(2026, 1, 1)),
    ("R1", "M1", date(2026, 1, 1)),
    ("R2", "M1", date(2026, 1, 1)),
    ("R2", "M2", date(2026, 11, 1)),
    ("R3", "M2", date(2026, 1, 1)),
]

QUOTAS = [
    ("V", 3000.0, date(2026, 9, 25)), ("M1", 1500.0, date(2026, 9, 25)),
    ("M2", 1200.0, date(2026, 9, 25)), ("R1", 800.0, date(2026, 9, 25)),
    ("R2", 600.0, date(2026, 9, 25)), ("R3", 1000.0, date(2026, 9, 25)),
    ("R1", 900.0, date(2026, 11, 10)),
]

# id, owner, amount, stage, rep category (None = stage default), close, created, closed, won
DEALS = [
    ("D1", "R1", 100.0, "Closed Won", None, date(2026, 10, 15), date(2026, 9, 1), True, True),
    ("D2", "R1", 200.0, "Negotiation", None, date(2026, 11, 30), date(2026, 9, 15), False, False),
    ("D3", "R1", 300.0, "Proposal", None, date(2026, 12, 15), date(2026, 11, 5), False, False),
    ("D4", "R2", 400.0, "Prospecting", None, date(2026, 12, 20), date(2026, 10, 1), False, False),
    ("D5", "R2", 500.0, "Closed Lost", None, date(2026, 10, 20), date(2026, 9, 20), True, False),
    ("D6", "M1", 50.0, "Negotiation", "Best Case", date(2026, 12, 1), date(2026, 11, 2), False, False),
    ("D7", "R3", 1000.0, "Proposal", "Commit", date(2026, 11, 15), date(2026, 10, 5), False, False),
    ("D8", "R3", 700.0, "Negotiation", None, date(2027, 1, 15), date(2026, 10, 10), False, False),
    ("D9", "R1", 60.0, "Closed Won", None, date(2026, 9, 30), date(2026, 7, 1), True, True),
]

# snapshot date, id, owner, amount, stage, rep category, close date
SNAPSHOT_ROWS = [
    (date(2026, 10, 30), "D2", "R1", 200.0, "Proposal", None, date(2026, 11, 30)),
    (date(2026, 10, 30), "D4", "R2", 400.0, "Prospecting", None, date(2026, 12, 20)),
    (date(2026, 10, 30), "D5", "R2", 500.0, "Proposal", None, date(2026, 12, 10)),
    (date(2026, 10, 30), "D7", "R3", 1000.0, "Proposal", None, date(2027, 1, 10)),
    (date(2026, 10, 30), "D8", "R3", 700.0, "Proposal", None, date(2027, 1, 15)),
    (date(2026, 11, 13), "D2", "R1", 200.0, "Negotiation", None, date(2026, 11, 30)),
    (date(2026, 11, 13), "D3", "R1", 250.0, "Proposal", None, date(2026, 12, 15)),
    (date(2026, 11, 13), "D4", "R2", 400.0, "Prospecting", None, date(2026, 12, 20)),
    (date(2026, 11, 13), "D5", "R2", 500.0, "Proposal", None, date(2026, 12, 10)),
    (date(2026, 11, 13), "D6", "M1", 50.0, "Negotiation", "Best Case", date(2026, 12, 1)),
    (date(2026, 11, 13), "D7", "R3", 1000.0, "Proposal", "Commit", date(2027, 1, 10)),
    (date(2026, 11, 13), "D8", "R3", 700.0, "Negotiation", None, date(2027, 1, 15)),
]

TODAY = date(2026, 11, 20)


def load(con) -> None:
    """Write the tiny company into a fresh store."""
    con.executemany("insert into stages values (?, ?, ?, ?, ?, ?)", STAGES)
    con.executemany("insert into people (person_id, name) values (?, ?)", PEOPLE)
    con.executemany(
        "insert into reporting_lines (person_id, manager_id, effective_date) values (?, ?, ?)",
        LINES,
    )
    con.executemany(
        "insert into quotas (person_id, period_id, amount, effective_date) "
        "values (?, '2026-Q4', ?, ?)",
        QUOTAS,
    )
    con.executemany(
        "insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
        "forecast_category, close_date, created_date, is_closed, is_won) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        DEALS,
    )
    con.executemany(
        "insert into opportunity_snapshots (snapshot_date, opportunity_id, owner_id, amount, "
        "stage_name, forecast_category, close_date, is_closed, is_won) "
        "values (?, ?, ?, ?, ?, ?, ?, false, false)",
        SNAPSHOT_ROWS,
    )
    con.execute(
        "insert into snapshots (snapshot_date, source, deal_count) "
        "select snapshot_date, 'tiny', count(*) from opportunity_snapshots group by 1"
    )
    from forecast.calendar import rebuild_fiscal_periods

    rebuild_fiscal_periods(con, date(2026, 1, 1), date(2027, 12, 31))
    from forecast.asof import record_data_date

    record_data_date(con, TODAY)


# person, submitted at, commit, best case (see test_rollup.py for the ladder they make)
CALLS = [
    ("R2", datetime(2026, 10, 16, 9), 350, 800),
    ("R1", datetime(2026, 11, 20, 10), 280, 550),
    ("R3", datetime(2026, 11, 20, 11), 900, 950),
    ("M1", datetime(2026, 11, 20, 12), 320, 700),
    ("M2", datetime(2026, 11, 13, 12), 950, 1200),
    ("V", datetime(2026, 11, 20, 15), 1250, 1700),
]
# manager, person, adjusted at, commit, best case, note
ADJUSTMENTS = [
    ("M1", "R2", datetime(2026, 10, 20, 9), 100, 300, "R2 too hopeful"),
    ("M2", "R3", datetime(2026, 11, 19, 9), 850, 950, "first cut"),
    ("M2", "R3", datetime(2026, 11, 20, 13), 800, 900, "R3 optimistic"),
    ("V", "M1", datetime(2026, 11, 20, 14), 280, 600, "hold M1 to R1's call"),
]


def load_calls(con) -> None:
    """Calls and adjustments for 2026-Q4, through the library's own checks."""
    from forecast import calls

    for person, at, commit, best in CALLS:
        calls.submit_call(con, person, "2026-Q4", commit, best, "", person, at)
    for manager, person, at, commit, best, note in ADJUSTMENTS:
        calls.adjust_call(con, manager, person, "2026-Q4", commit, best, note, manager, at)
