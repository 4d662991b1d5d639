"""A small company in which every bucket of the week-over-week bridge occurs, worked out by
hand in tests/test_movement.py.

People:   V (VP) ── MA (manager) ── RA1, RA2 (RA2 moves to MB on 2026-11-10)
                 └─ MB (manager) ── RB1
          W (another VP, outside V's tree) ── X
Period 2026-Q4. Weekly snapshots on Fridays 2026-10-30 and 2026-11-06 (= t0); the live
state is 2026-11-13 (= t1).

What happens to each deal between t0 and t1 (amounts t0 -> t1; all close dates in Q4 unless
said otherwise):
  A1  RA1 Commit 1000, unchanged                 A2  RA1 Best Case 2000 -> Commit 2500
  A3  RA1 Pipeline 3000 -> 2200                  A4  RA1 Commit 4000 -> 3000, pushed to Jan
  A6  RA1 Best Case 600 -> won at 650            A7  RA1 Pipeline 700 -> lost
  A9  RA1 created 2026-11-09, Best Case 900      A10 RA1 created 11-09, won 11-12 at 1100
  A11 RA1 Pipeline 1200 in Jan -> Commit 1500 in Dec (pulled in and raised)
  A12 RA1 Best Case 130, close date moved to 2026-09-28 (before Q4)
  A13 RA1 Pipeline 140, deleted                  A14 RA2 Best Case 1300, unchanged (RA2 moves)
  A15 RA2 Pipeline 150 -> lost                   A16 X Commit 170 -> reassigned to RA1
  A17 RA1 lost on 11-03 (in the t0 snapshot as closed) -> reopened, Pipeline 180
  A18 RA1 Best Case 190 -> rep sets Omitted      A20 RA2 Commit 160 -> pushed to Jan
  A21 MA  Commit 250, unchanged (the manager's own deal)
  A23 RA1 won 333 on 2026-10-15 (closed before t0)
  B1  RB1 Pipeline 400, unchanged                X1  X Commit 5000, unchanged (outside V)
"""

from __future__ import annotations

from datetime import date

from forecast.asof import record_data_date
from forecast.calendar import rebuild_fiscal_periods

STAGES = [
    ("Prospecting", 1, 10.0, "Pipeline", False, False),
    ("Proposal", 2, 50.0, "Best Case", False, False),
    ("Negotiation", 3, 80.0, "Commit", False, False),
    ("Closed Won", 4, 100.0, "Closed", True, True),
    ("Closed Lost", 5, 0.0, "Omitted", True, False),
]

PEOPLE = [("V", "Vic VP"), ("MA", "Ann Manager"), ("MB", "Ben Manager"), ("RA1", "Ada Rep"),
          ("RA2", "Abe Rep"), ("RB1", "Bea Rep"), ("W", "Wes VP"), ("X", "Xia Rep")]

JAN1 = date(2026, 1, 1)
LINES = [("V", None, JAN1), ("MA", "V", JAN1), ("MB", "V", JAN1), ("RA1", "MA", JAN1),
         ("RA2", "MA", JAN1), ("RA2", "MB", date(2026, 11, 10)), ("RB1", "MB", JAN1),
         ("W", None, JAN1), ("X", "W", JAN1)]

T0 = date(2026, 11, 6)
EARLIER = date(2026, 10, 30)
TODAY = date(2026, 11, 13)

PRO, NEG, PROSP, WON, LOST = "Proposal", "Negotiation", "Prospecting", "Closed Won", "Closed Lost"

# the live state: id, owner, amount, stage, rep category, close date, created, closed, won
DEALS = [
    ("A1", "RA1", 1000.0, NEG, None, date(2026, 12, 1), date(2026, 9, 1), False, False),
    ("A2", "RA1", 2500.0, NEG, None, date(2026, 11, 30), date(2026, 9, 1), False, False),
    ("A3", "RA1", 2200.0, PROSP, None, date(2026, 12, 15), date(2026, 9, 1), False, False),
    ("A4", "RA1", 3000.0, NEG, None, date(2027, 1, 20), date(2026, 9, 1), False, False),
    ("A6", "RA1", 650.0, WON, None, date(2026, 11, 12), date(2026, 9, 1), True, True),
    ("A7", "RA1", 700.0, LOST, None, date(2026, 11, 11), date(2026, 9, 1), True, False),
    ("A9", "RA1", 900.0, PRO, None, date(2026, 12, 12), date(2026, 11, 9), False, False),
    ("A10", "RA1", 1100.0, WON, None, date(2026, 11, 12), date(2026, 11, 9), True, True),
    ("A11", "RA1", 1500.0, NEG, None, date(2026, 12, 18), date(2026, 9, 1), False, False),
    ("A12", "RA1", 130.0, PRO, None, date(2026, 9, 28), date(2026, 9, 1), False, False),
    ("A14", "RA2", 1300.0, PRO, None, date(2026, 12, 8), date(2026, 9, 1), False, False),
    ("A15", "RA2", 150.0, LOST, None, date(2026, 11, 10), date(2026, 9, 1), True, False),
    ("A16", "RA1", 170.0, NEG, None, date(2026, 12, 3), date(2026, 9, 1), False, False),
    ("A17", "RA1", 180.0, PROSP, None, date(2026, 12, 22), date(2026, 9, 1), False, False),
    ("A18", "RA1", 190.0, PRO, "Omitted", date(2026, 12, 9), date(2026, 9, 1), False, False),
    ("A20", "RA2", 160.0, NEG, None, date(2027, 1, 5), date(2026, 9, 1), False, False),
    ("A21", "MA", 250.0, NEG, None, date(2026, 12, 30), date(2026, 9, 1), False, False),
    ("A23", "RA1", 333.0, WON, None, date(2026, 10, 15), date(2026, 9, 1), True, True),
    ("B1", "RB1", 400.0, PROSP, None, date(2026, 12, 1), date(2026, 9, 1), False, False),
    ("X1", "X", 5000.0, NEG, None, date(2026, 12, 1), date(2026, 9, 1), False, False),
]

# the t0 snapshot: id, owner, amount, stage, rep category, close date, closed, won
T0_ROWS = [
    ("A1", "RA1", 1000.0, NEG, None, date(2026, 12, 1), False, False),
    ("A2", "RA1", 2000.0, PRO, None, date(2026, 11, 30), False, False),
    ("A3", "RA1", 3000.0, PROSP, None, date(2026, 12, 15), False, False),
    ("A4", "RA1", 4000.0, NEG, None, date(2026, 12, 20), False, False),
    ("A6", "RA1", 600.0, PRO, None, date(2026, 12, 10), False, False),
    ("A7", "RA1", 700.0, PROSP, None, date(2026, 12, 5), False, False),
    ("A11", "RA1", 1200.0, PROSP, None, date(2027, 1, 15), False, False),
    ("A12", "RA1", 130.0, PRO, None, date(2026, 11, 20), False, False),
    ("A13", "RA1", 140.0, PROSP, None, date(2026, 12, 11), False, False),
    ("A14", "RA2", 1300.0, PRO, None, date(2026, 12, 8), False, False),
    ("A15", "RA2", 150.0, PROSP, None, date(2026, 12, 4), False, False),
    ("A16", "X", 170.0, NEG, None, date(2026, 12, 3), False, False),
    ("A17", "RA1", 180.0, LOST, None, date(2026, 11, 3), True, False),
    ("A18", "RA1", 190.0, PRO, None, date(2026, 12, 9), False, False),
    ("A20", "RA2", 160.0, NEG, None, date(2026, 12, 2), False, False),
    ("A21", "MA", 250.0, NEG, None, date(2026, 12, 30), False, False),
    ("B1", "RB1", 400.0, PROSP, None, date(2026, 12, 1), False, False),
    ("X1", "X", 5000.0, NEG, None, date(2026, 12, 1), False, False),
]

# the earlier snapshot only has to exist (for the default comparison and error tests)
EARLIER_ROWS = [row if row[0] != "A17" else ("A17", "RA1", 180.0, PROSP, None,
                                             date(2026, 11, 3), False, False)
                for row in T0_ROWS]


def load(con) -> None:
    """Write the company into a fresh store."""
    con.executemany("insert into stages values (?, ?, ?, ?, ?, ?)", STAGES)
    con.executemany("insert into people (person_id, name) values (?, ?)", PEOPLE)
    con.executemany(
        "insert into reporting_lines (person_id, manager_id, effective_date) values (?, ?, ?)",
        LINES,
    )
    con.executemany(
        "insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
        "forecast_category, close_date, created_date, is_closed, is_won) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        DEALS,
    )
    snapshot_rows = [(T0, *row) for row in T0_ROWS] + [(EARLIER, *row) for row in EARLIER_ROWS]
    con.executemany(
        "insert into opportunity_snapshots (snapshot_date, opportunity_id, owner_id, amount, "
        "stage_name, forecast_category, close_date, is_closed, is_won) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        snapshot_rows,
    )
    con.execute(
        "insert into snapshots (snapshot_date, source, deal_count) "
        "select snapshot_date, 'movement', count(*) from opportunity_snapshots group by 1"
    )
    rebuild_fiscal_periods(con, date(2026, 1, 1), date(2027, 12, 31))
    record_data_date(con, TODAY)
