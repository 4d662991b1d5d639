"""A small company whose funnel is worked out by hand in tests/test_funnel.py.

People:   V (VP) ── M1 (manager) ── R1        W (another VP) ── X (outside V's team)
                 └─ M2 (manager) ── R2
Stages: Discovery -> Proposal -> Closed Won | Closed Lost. As of 2026-11-20 (every later
timestamp is ignored). Window 2026-Q4 = 2026-10-01 .. 2026-12-31, seen up to 2026-11-20;
the quarter before is 2026-Q3.

Leads (every MQL at 09:00 on its day, created then too unless said; response in minutes
after the MQL; other steps at midnight):
  A1 R1 Web new       Q3: MQL 07-01, SRL 07-05, SQL 07-10, opp OA1 07-12 (1000) won 08-15
  A2 R1 Web new       Q3: MQL 07-02, SRL 07-06, SQL 07-11, opp OA2 07-13 (3000) lost 08-20
  A3 R2 Event new     Q3: MQL 07-03, disqualified 07-20
  A4 R2 Event new     Q3: MQL 07-04, disqualified 07-21
  A5 R1 Web new       MQL 09-20 (Q3), SRL 10-05, SQL 10-12, opp OA5 10-13 (2000):
                      Discovery 10-13, Proposal 10-20, back to Discovery 10-23, Proposal
                      11-03, won 11-10
  B1 R1 Web new       MQL 10-01 (30 min, exactly the target), SRL 10-03, SQL 10-10,
                      opp OB1 10-12 (4000): Discovery 10-12, Proposal 10-19, open; demo
                      booked 10-02, showed
  B2 R1 Web new       MQL 10-02 (1440 min, exactly one day), skips SRL: SQL 10-09, opp OB2
                      10-10 (1500): Discovery 10-10, lost 11-02
  B3 R2 Event new     MQL 10-03 (31 min), SRL 10-06, disqualified 10-30; demo no-show
  B4 R2 Event existing  MQL 10-04 (1441 min), open
  B5 R2 Web new       MQL 10-05, no response, no touch, open
  B6 R1 Event new     MQL 10-06 (6 min), disqualified 10-20; demo no-show
  B7 R2 Web new       created 10-07, never an MQL, open
  B8 R1 Web new       created 11-19 22:00, MQL 11-20 23:50 (10 minutes before the as-of
                      cut), no response yet, no touch
  B9 X  Web new       MQL 10-02, SRL 10-03 (outside V's team)
  B10 R1 Web new      created 11-25 (after the as-of date)
  B11 R1 Web new      MQL 10-15 (5 min, exactly the fast mark), SRL 11-25 (after the as-of)
Direct deals (no lead): D1 R2 new 6000 created 10-14, Discovery 10-14, won 11-16;
  D2 R1 existing 8000 created 08-01, Discovery 08-01, Proposal 09-01, won 10-20;
  D3 R2 existing 2000 created 10-16, Discovery 10-16, lost 11-05.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from forecast.asof import record_data_date
from forecast.calendar import rebuild_fiscal_periods

AS_OF = date(2026, 11, 20)
STAGES = [
    ("Discovery", 1, 20.0, "Pipeline", False, False),
    ("Proposal", 2, 60.0, "Best Case", False, False),
    ("Closed Won", 3, 100.0, "Closed", True, True),
    ("Closed Lost", 4, 0.0, "Omitted", True, False),
]
PEOPLE = [("V", "Vera VP"), ("M1", "Max Manager"), ("M2", "Mia Manager"), ("R1", "Rob Rep"),
          ("R2", "Rae Rep"), ("W", "Wes VP"), ("X", "Xia Rep")]
JAN1 = date(2026, 1, 1)
LINES = [("V", None, JAN1), ("M1", "V", JAN1), ("M2", "V", JAN1), ("R1", "M1", JAN1),
         ("R2", "M2", JAN1), ("W", None, JAN1), ("X", "W", JAN1)]


def d(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute)


def mql(month: int, day: int) -> datetime:
    return d(month, day, 9)


# id, owner, source, segment, deal type, created, mql, srl, sql, disqualified, converted,
# opportunity, response minutes, demo booked, no-show, touches
LEADS = [
    ("A1", "R1", "Web", "SMB", "new", mql(7, 1), mql(7, 1), d(7, 5), d(7, 10), None,
     d(7, 12), "OA1", 10.0, None, None, 4),
    ("A2", "R1", "Web", "SMB", "new", mql(7, 2), mql(7, 2), d(7, 6), d(7, 11), None,
     d(7, 13), "OA2", 10.0, None, None, 4),
    ("A3", "R2", "Event", "SMB", "new", mql(7, 3), mql(7, 3), None, None, d(7, 20),
     None, None, 10.0, None, None, 2),
    ("A4", "R2", "Event", "SMB", "new", mql(7, 4), mql(7, 4), None, None, d(7, 21),
     None, None, 10.0, None, None, 2),
    ("A5", "R1", "Web", "SMB", "new", mql(9, 20), mql(9, 20), d(10, 5), d(10, 12), None,
     d(10, 13), "OA5", 5.0, None, None, 5),
    ("B1", "R1", "Web", "SMB", "new", mql(10, 1), mql(10, 1), d(10, 3), d(10, 10), None,
     d(10, 12), "OB1", 30.0, d(10, 2, 14), False, 6),
    ("B2", "R1", "Web", "SMB", "new", mql(10, 2), mql(10, 2), None, d(10, 9), None,
     d(10, 10), "OB2", 1440.0, None, None, 3),
    ("B3", "R2", "Event", "SMB", "new", mql(10, 3), mql(10, 3), d(10, 6), None, d(10, 30),
     None, None, 31.0, d(10, 5, 15), True, 3),
    ("B4", "R2", "Event", "SMB", "existing", mql(10, 4), mql(10, 4), None, None, None,
     None, None, 1441.0, None, None, 1),
    ("B5", "R2", "Web", "SMB", "new", mql(10, 5), mql(10, 5), None, None, None,
     None, None, None, None, None, 0),
    ("B6", "R1", "Event", "SMB", "new", mql(10, 6), mql(10, 6), None, None, d(10, 20),
     None, None, 6.0, d(10, 8, 10), True, 2),
    ("B7", "R2", "Web", "SMB", "new", mql(10, 7), None, None, None, None,
     None, None, None, None, None, 1),
    ("B8", "R1", "Web", "SMB", "new", d(11, 19, 22), d(11, 20, 23, 50), None, None, None,
     None, None, None, None, None, None),
    ("B9", "X", "Web", "SMB", "new", mql(10, 2), mql(10, 2), d(10, 3), None, None,
     None, None, 3.0, None, None, 2),
    ("B10", "R1", "Web", "SMB", "new", d(11, 25), d(11, 25), None, None, None,
     None, None, None, None, None, None),
    ("B11", "R1", "Web", "SMB", "new", mql(10, 15), mql(10, 15), d(11, 25), None, None,
     None, None, 5.0, None, None, 2),
]

# id, owner, amount, stage now, created, close date, closed, won, deal type, source
DEALS = [
    ("OA1", "R1", 1000.0, "Closed Won", date(2026, 7, 12), date(2026, 8, 15), True, True,
     "new", "Web"),
    ("OA2", "R1", 3000.0, "Closed Lost", date(2026, 7, 13), date(2026, 8, 20), True, False,
     "new", "Web"),
    ("OA5", "R1", 2000.0, "Closed Won", date(2026, 10, 13), date(2026, 11, 10), True, True,
     "new", "Web"),
    ("OB1", "R1", 4000.0, "Proposal", date(2026, 10, 12), date(2026, 12, 20), False, False,
     "new", "Web"),
    ("OB2", "R1", 1500.0, "Closed Lost", date(2026, 10, 10), date(2026, 11, 2), True, False,
     "new", "Web"),
    ("D1", "R2", 6000.0, "Closed Won", date(2026, 10, 14), date(2026, 11, 16), True, True,
     "new", "Outbound"),
    ("D2", "R1", 8000.0, "Closed Won", date(2026, 8, 1), date(2026, 10, 20), True, True,
     "existing", "Existing Customer"),
    ("D3", "R2", 2000.0, "Closed Lost", date(2026, 10, 16), date(2026, 11, 5), True, False,
     "existing", "Existing Customer"),
]

DISC, PROP, WON, LOST = "Discovery", "Proposal", "Closed Won", "Closed Lost"
EVENTS = [
    ("OA1", DISC, d(7, 12)), ("OA1", PROP, d(7, 20)), ("OA1", WON, d(8, 15)),
    ("OA2", DISC, d(7, 13)), ("OA2", LOST, d(8, 20)),
    ("OA5", DISC, d(10, 13)), ("OA5", PROP, d(10, 20)), ("OA5", DISC, d(10, 23)),
    ("OA5", PROP, d(11, 3)), ("OA5", WON, d(11, 10)),
    ("OB1", DISC, d(10, 12)), ("OB1", PROP, d(10, 19)),
    ("OB2", DISC, d(10, 10)), ("OB2", LOST, d(11, 2)),
    ("D1", DISC, d(10, 14)), ("D1", WON, d(11, 16)),
    ("D2", DISC, d(8, 1)), ("D2", PROP, d(9, 1)), ("D2", WON, d(10, 20)),
    ("D3", DISC, d(10, 16)), ("D3", LOST, d(11, 5)),
]


def _base(con, stages) -> None:
    con.executemany("insert into stages values (?, ?, ?, ?, ?, ?)", stages)
    con.executemany("insert into people (person_id, name) values (?, ?)", PEOPLE)
    con.executemany(
        "insert into reporting_lines (person_id, manager_id, effective_date) values (?, ?, ?)",
        LINES)
    rebuild_fiscal_periods(con, date(2026, 1, 1), date(2027, 12, 31))
    record_data_date(con, AS_OF)


def load(con) -> None:
    """Write the company above into a fresh store."""
    _base(con, STAGES)
    con.executemany(
        "insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
        "created_date, close_date, is_closed, is_won, deal_type, lead_source, segment) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'SMB')", DEALS)
    con.executemany("insert into stage_events values (?, ?, ?)", EVENTS)
    rows = []
    for (lead_id, owner, source, segment, deal_type, created, mql_at, srl_at, sql_at, dq_at,
         converted_at, opp, minutes, demo_at, no_show, touches) in LEADS:
        response_at = mql_at + timedelta(minutes=minutes) if minutes is not None else None
        rows.append((lead_id, owner, source, segment, deal_type, created, mql_at, srl_at,
                     sql_at, dq_at, "not a fit" if dq_at else None, converted_at, opp,
                     response_at, minutes, demo_at, no_show, touches))
    con.executemany(
        "insert into leads (lead_id, owner_id, source, segment, deal_type, created_at, "
        "mql_at, srl_at, sql_at, disqualified_at, disqualified_reason, converted_at, "
        "opportunity_id, first_response_at, first_response_minutes, demo_booked_at, "
        "demo_no_show, touches) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows)


# Opportunities only, as in the Maven sample: no leads, stages Prospecting -> Engaging ->
# Won | Lost, Prospecting deals without any date, stage history only for Engaging.
MAVEN_STAGES = [
    ("Prospecting", 1, 10.0, "Pipeline", False, False),
    ("Engaging", 2, 50.0, "Best Case", False, False),
    ("Won", 3, 100.0, "Closed", True, True),
    ("Lost", 4, 0.0, "Omitted", True, False),
]
# id, owner, amount, stage, engage (created) date, close date, closed, won
MAVEN_DEALS = [
    ("P1", "R1", 500.0, "Prospecting", None, None, False, False),
    ("P2", "R2", 700.0, "Prospecting", None, None, False, False),
    ("E1", "R1", 1000.0, "Engaging", date(2026, 10, 5), None, False, False),
    ("E2", "R2", 1200.0, "Won", date(2026, 10, 6), date(2026, 11, 1), True, True),
    ("E3", "R2", 800.0, "Won", date(2026, 10, 7), date(2026, 11, 3), True, True),
    ("E4", "R1", 900.0, "Lost", date(2026, 10, 8), date(2026, 11, 4), True, False),
]


def load_opportunities_only(con) -> None:
    """Maven-like: 2 deals prospecting (undated), 1 engaging, 2 won, 1 lost; no leads."""
    _base(con, MAVEN_STAGES)
    for (opp, owner, amount, stage, engaged, closed_on, closed, won) in MAVEN_DEALS:
        con.execute(
            "insert into opportunities (opportunity_id, owner_id, amount, stage_name, "
            "created_date, close_date, is_closed, is_won, stage_entered_date) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [opp, owner, amount, stage, engaged, closed_on, closed, won,
             engaged if stage == "Engaging" else None])
        if closed:
            con.execute("insert into stage_events values (?, 'Engaging', ?)", [opp, engaged])
