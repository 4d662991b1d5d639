"""The stores the benchmark measures: seeded demo companies of a given size, and a history
table of ten million rows for the rollup alone."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from forecast import aggregates, asof, db, demo
from forecast.demo import leads as demo_leads

PEOPLE_TARGET_REPS = 1700  # with the managers above them, about 2,000 people
QUARTERS = 5               # a year of weekly history and the current quarter
WARM_UP_QUARTERS = 2       # the demo starts its deals and leads two quarters before that


def build(path: Path, opportunities: int) -> float:
    """A demo company of about `opportunities` deals and as many leads (with calls and weekly
    history) at `path`; returns the seconds it took."""
    reps = min(PEOPLE_TARGET_REPS, max(20, opportunities // 200))
    per_quarter = opportunities / (reps * (QUARTERS + WARM_UP_QUARTERS))
    path.unlink(missing_ok=True)
    con = db.connect(path)
    start = time.perf_counter()
    # as many leads as deals: the share of deals from leads is what one lead yields
    demo.build_demo(con, reps=reps, quarters=QUARTERS, deals_per_rep_per_quarter=per_quarter,
                    lead_deal_share=demo_leads.expected_deals_per_lead())
    con.execute("checkpoint")
    con.close()
    return time.perf_counter() - start


def precompute(path: Path) -> float:
    """What an import or snapshot leaves behind for the pages (forecast.aggregates): the
    per-snapshot sums, stage stays, deal history and the funnel's journeys and sums."""
    con = db.connect(path)
    start = time.perf_counter()
    aggregates.refresh(con)
    con.execute("checkpoint")
    con.close()
    return time.perf_counter() - start


# A four-level hierarchy of 2,000 people: one head, 12 directors, 150 managers, 1,837 reps.
# Deal d is created in week (d % 26) of 52 weekly snapshots and appears in 27 of them, the
# last one the week it closes (won or lost): 370,371 deals give 10,000,017 history rows.
# Every value is a function of the row numbers: the same table on every machine.
HISTORY_ROWS = 10_000_000
WEEKS_PER_DEAL = 27
HISTORY_WEEKS = 52
FIRST_FRIDAY = date(2025, 11, 28)
HISTORY_SQL = [
    """insert into stages values
        ('Prospecting', 1, 10, 'Pipeline', false, false),
        ('Qualification', 2, 20, 'Pipeline', false, false),
        ('Proposal', 3, 50, 'Best Case', false, false),
        ('Negotiation', 4, 80, 'Commit', false, false),
        ('Closed Won', 5, 100, 'Closed', true, true),
        ('Closed Lost', 6, 0, 'Omitted', true, false)""",
    """insert into people (person_id, name)
       select 'H' || lpad(i::varchar, 4, '0'), 'Person ' || i from range(2000) t(i)""",
    """insert into reporting_lines (person_id, manager_id, effective_date)
       select 'H' || lpad(i::varchar, 4, '0'),
              case when i = 0 then null
                   when i <= 12 then 'H0000'
                   when i <= 162 then 'H' || lpad((1 + (i - 13) % 12)::varchar, 4, '0')
                   else 'H' || lpad((13 + (i - 163) % 150)::varchar, 4, '0') end,
              date '2025-01-01'
       from range(2000) t(i)""",
    """create temp table weeks as
       select w, $first::date + 7 * w::integer as snapshot_date
       from range($weeks) t(w)""",
    """create temp table deals as
       select d, 'HD' || lpad(d::varchar, 7, '0') as opportunity_id,
              'H' || lpad((163 + d % 1837)::varchar, 4, '0') as owner_id,
              d % 26 as created_week,
              100 + hash(d, 'amount') % 50000 as amount,
              hash(d, 'won') % 3 = 0 as is_won
       from range($deals) t(d)""",
    """insert into opportunity_snapshots (snapshot_date, opportunity_id, owner_id, amount,
           stage_name, close_date, is_closed, is_won)
       select k.snapshot_date, d.opportunity_id, d.owner_id,
              d.amount + 100 * (hash(d.d, k.w) % 5),
              case when k.w = d.created_week + 26
                       then if(d.is_won, 'Closed Won', 'Closed Lost')
                   else ['Prospecting', 'Qualification', 'Proposal',
                         'Negotiation'][1 + least(3, (k.w - d.created_week) // 7)] end,
              $first::date + 7 * (d.created_week + 26 + hash(d.d, k.w, 'slip') % 3)::integer,
              k.w = d.created_week + 26, d.is_won and k.w = d.created_week + 26
       from deals d
       join weeks k on k.w between d.created_week and d.created_week + 26""",
    """insert into opportunities (opportunity_id, owner_id, amount, stage_name, close_date,
           created_date, is_closed, is_won)
       select d.opportunity_id, d.owner_id, d.amount,
              if(d.is_won, 'Closed Won', 'Closed Lost'),
              $first::date + 7 * (d.created_week + 26)::integer,
              $first::date + 7 * d.created_week::integer, true, d.is_won
       from deals d""",
    """insert into snapshots (snapshot_date, source, deal_count)
       select snapshot_date, 'bench', count(*) from opportunity_snapshots group by 1""",
]


def build_history(path: Path, rows: int = HISTORY_ROWS) -> float:
    """A store at `path` whose weekly history has at least `rows` rows (ten million by
    default); returns the seconds it took."""
    path.unlink(missing_ok=True)
    con = db.connect(path)
    start = time.perf_counter()
    deals = -(-rows // WEEKS_PER_DEAL)
    params = {"first": FIRST_FRIDAY, "weeks": HISTORY_WEEKS, "deals": deals}
    with db.transaction(con):
        for sql in HISTORY_SQL:
            used = {k: v for k, v in params.items() if f"${k}" in sql}
            con.execute(sql, used)
        last = con.execute("select max(snapshot_date) from snapshots").fetchall()[0][0]
        asof.record_data_date(con, last)
    con.execute("checkpoint")
    con.close()
    return time.perf_counter() - start
