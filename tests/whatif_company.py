"""A small company with history, for the what-if tests; every number is worked out by hand in
the tests that use it.

People: V (top) with R1 and R2 below (R2 owns no deal). Quarters; the live data speaks for
2026-11-20, 50 days into 2026-Q4. Weekly snapshots exist only at the same point (50 days in)
of 2026-Q2 (2026-05-21) and 2026-Q3 (2026-08-20), so a projection of 2026-Q4 learns from both,
and a backtest of 2026-Q3 has one point (week 8) that learns from 2026-Q2 only.

Open at 2026-05-21, closing in 2026-Q2 (stage, amount, type, segment, created -> outcome):
  H1-H3 Negotiation 100 new SMB, created 05-01 (20 days: age bucket 0): won, won, lost in Q2
  H4    Negotiation 100 new SMB, created 05-01: slipped, won on 2026-07-15 (in Q3)
  H5-H6 Proposal 200 existing SMB, created 01-10 (131 days: bucket 2): won, lost in Q2
Open at 2026-05-21, dated in the next quarter (Q3), Negotiation 100 new SMB, created 05-01:
  P1    pulled in: won 2026-06-25 (in Q2)
  P2    won on its date, 2026-08-15 (in Q3)
Open at 2026-08-20, closing in 2026-Q3:
  J1    Negotiation 100 new SMB, created 08-01 (bucket 0): won 09-10
  J2    Proposal 300 new Mid-Market, created 07-15 (36 days: bucket 1): won 09-20
Created after a point and won inside that period (new pipeline):
  N1    300, created 2026-06-01, won 06-20, from an MQL lead (Q2)
  K1    250, created 2026-08-25, won 09-05, no lead (Q3)
2026-Q4: W1 200 won 2026-10-20; open now: T1 Negotiation 1000 new SMB created 11-01
(bucket 0), T2 Proposal 500 existing SMB created 06-01 (172 days: bucket 2), T3 Prospecting
400 new Mid-Market created 11-10, and T4 Negotiation 800 new SMB created 11-05, dated
2027-01-20 (the next quarter). V's call for 2026-Q3 made 2026-08-18: commit 700.
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
PEOPLE = [("V", "Vera VP"), ("R1", "Rob Rep"), ("R2", "Rae Rep")]
LINES = [("V", None), ("R1", "V"), ("R2", "V")]
QUOTAS = [("V", "2026-Q3", 1000.0), ("V", "2026-Q4", 1500.0)]
WON, LOST = "Closed Won", "Closed Lost"

# id, amount, stage (final), close date (final), created, deal type, segment
DEALS = [
    ("H1", 100.0, WON, date(2026, 6, 10), date(2026, 5, 1), "new", "SMB"),
    ("H2", 100.0, WON, date(2026, 6, 15), date(2026, 5, 1), "new", "SMB"),
    ("H3", 100.0, LOST, date(2026, 6, 20), date(2026, 5, 1), "new", "SMB"),
    ("H4", 100.0, WON, date(2026, 7, 15), date(2026, 5, 1), "new", "SMB"),
    ("H5", 200.0, WON, date(2026, 6, 1), date(2026, 1, 10), "existing", "SMB"),
    ("H6", 200.0, LOST, date(2026, 6, 5), date(2026, 1, 10), "existing", "SMB"),
    ("P1", 100.0, WON, date(2026, 6, 25), date(2026, 5, 1), "new", "SMB"),
    ("P2", 100.0, WON, date(2026, 8, 15), date(2026, 5, 1), "new", "SMB"),
    ("J1", 100.0, WON, date(2026, 9, 10), date(2026, 8, 1), "new", "SMB"),
    ("J2", 300.0, WON, date(2026, 9, 20), date(2026, 7, 15), "new", "Mid-Market"),
    ("N1", 300.0, WON, date(2026, 6, 20), date(2026, 6, 1), "new", "SMB"),
    ("K1", 250.0, WON, date(2026, 9, 5), date(2026, 8, 25), "existing", "SMB"),
    ("W1", 200.0, WON, date(2026, 10, 20), date(2026, 9, 1), "existing", "SMB"),
    ("T1", 1000.0, "Negotiation", date(2026, 12, 10), date(2026, 11, 1), "new", "SMB"),
    ("T2", 500.0, "Proposal", date(2026, 12, 15), date(2026, 6, 1), "existing", "SMB"),
    ("T3", 400.0, "Prospecting", date(2026, 12, 20), date(2026, 11, 10), "new", "Mid-Market"),
    ("T4", 800.0, "Negotiation", date(2027, 1, 20), date(2026, 11, 5), "new", "SMB"),
]
# snapshot date, id, stage then, close date then (all owned by R1, open, amount as above)
SNAPSHOT_ROWS = [
    (date(2026, 5, 21), "H1", "Negotiation", date(2026, 6, 10)),
    (date(2026, 5, 21), "H2", "Negotiation", date(2026, 6, 15)),
    (date(2026, 5, 21), "H3", "Negotiation", date(2026, 6, 20)),
    (date(2026, 5, 21), "H4", "Negotiation", date(2026, 6, 25)),
    (date(2026, 5, 21), "H5", "Proposal", date(2026, 6, 1)),
    (date(2026, 5, 21), "H6", "Proposal", date(2026, 6, 5)),
    (date(2026, 5, 21), "P1", "Negotiation", date(2026, 8, 10)),
    (date(2026, 5, 21), "P2", "Negotiation", date(2026, 8, 15)),
    (date(2026, 8, 20), "J1", "Negotiation", date(2026, 9, 10)),
    (date(2026, 8, 20), "J2", "Proposal", date(2026, 9, 20)),
]
TODAY = date(2026, 11, 20)


def load(con) -> None:
    con.executemany("insert into stages values (?, ?, ?, ?, ?, ?)", STAGES)
    con.executemany("insert into people (person_id, name) values (?, ?)", PEOPLE)
    con.executemany("insert into reporting_lines (person_id, manager_id, effective_date) "
                    "values (?, ?, date '2026-01-01')", LINES)
    con.executemany("insert into quotas values (?, ?, ?, date '2026-01-01')", QUOTAS)
    con.executemany(
        "insert into opportunities (opportunity_id, owner_id, amount, stage_name, close_date, "
        "created_date, deal_type, segment, is_closed, is_won) "
        "select $1, 'R1', $2, $3, $4, $5, $6, $7, s.is_closed, s.is_won "
        "from stages s where s.stage_name = $3", DEALS)
    amounts = {d[0]: d[1] for d in DEALS}
    con.executemany(
        "insert into opportunity_snapshots (snapshot_date, opportunity_id, owner_id, amount, "
        "stage_name, close_date, is_closed, is_won) values (?, ?, 'R1', ?, ?, ?, false, false)",
        [(day, deal, amounts[deal], stage, close) for day, deal, stage, close in SNAPSHOT_ROWS])
    con.execute("insert into snapshots (snapshot_date, source, deal_count) "
                "select snapshot_date, 'whatif', count(*) from opportunity_snapshots group by 1")
    con.execute("insert into leads (lead_id, created_at, mql_at, converted_at, opportunity_id) "
                "values ('L1', timestamp '2026-05-25 09:00', timestamp '2026-05-26 09:00', "
                "timestamp '2026-06-01 09:00', 'N1')")
    from forecast import calls
    from forecast.asof import record_data_date
    from forecast.calendar import rebuild_fiscal_periods

    rebuild_fiscal_periods(con, date(2026, 1, 1), date(2027, 12, 31))
    record_data_date(con, TODAY)
    calls.submit_call(con, "V", "2026-Q3", 700, 900, "", "V", datetime(2026, 8, 18, 9))
