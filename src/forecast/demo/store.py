"""Writing the demo into the store.

Each table is filled by one `insert ... select` from a pandas DataFrame registered as a view.
The big frames hold only numbers (indices, days since 1970, amounts); the statements join
small dimension frames (`demo_dim_*`) for the text, so no Python string is built per deal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

# the data tables emptied before a rebuild with replace=True (settings are kept). The
# append-only history tables are not among them: replace refuses a store that has history
# (append_only.PROTECTED), so they are empty already.
CLEAR = (
    "delete from people", "delete from stages", "delete from currency_rates",
    "delete from opportunities", "delete from stage_events", "delete from leads",
    "delete from imports", "delete from import_rejects",
)

# the statements, by the table they fill; each reads the view of the same name with a demo_
# prefix (e.g. people <- demo_people).
INSERTS = {
    "people": """
        insert into people (person_id, name, email, title)
        select person_id, name, email, title from demo_people
    """,
    "reporting_lines": """
        insert into reporting_lines (person_id, manager_id, effective_date, is_active, recorded_at)
        select p.person_id, m.person_id, date '1970-01-01' + l.day, l.is_active,
               (date '1970-01-01' + l.day) + interval 8 hour
        from demo_reporting_lines l
        join demo_dim_person p on p.i = l.person
        left join demo_dim_person m on m.i = l.manager
    """,
    "stages": """
        insert into stages (stage_name, stage_order, probability, forecast_category, is_closed,
                            is_won)
        select stage_name, stage_order, probability, forecast_category, is_closed, is_won
        from demo_dim_stage
    """,
    "currency_rates": """
        insert into currency_rates (currency, rate_to_reporting, effective_date)
        select c.currency, r.rate, date '1970-01-01' + r.day
        from demo_currency_rates r
        join demo_dim_currency c on c.i = r.currency
    """,
    "opportunities": """
        insert into opportunities (
            opportunity_id, opportunity_name, account_name, owner_id, amount, amount_original,
            currency, stage_name, probability, forecast_category, close_date, created_date,
            deal_type, lead_source, segment, is_closed, is_won, stage_entered_date,
            close_date_pushes, updated_at)
        select 'OPP-' || lpad(cast(d.deal + 1 as varchar), 7, '0'),
               a.account_name || ' - ' || pr.product, a.account_name, p.person_id, d.amount,
               d.amount_original, c.currency, st.stage_name, st.probability, k.category,
               date '1970-01-01' + d.close_day, date '1970-01-01' + d.created_day,
               case when d.existing then 'existing' else 'new' end, src.source, seg.segment,
               st.is_closed, st.is_won, date '1970-01-01' + d.stage_day, d.pushes, d.updated_at
        from demo_opportunities d
        join demo_dim_account a on a.i = d.account
        join demo_dim_product pr on pr.i = d.product
        join demo_dim_person p on p.i = d.owner
        join demo_dim_currency c on c.i = d.currency
        join demo_dim_stage st on st.i = d.stage
        join demo_dim_category k on k.i = d.category
        join demo_dim_source src on src.i = d.source
        join demo_dim_segment seg on seg.i = d.segment
    """,
    "snapshots": """
        insert into snapshots (snapshot_date, taken_at, source, deal_count)
        select date '1970-01-01' + day, (date '1970-01-01' + day) + interval 18 hour, 'demo',
               deal_count
        from demo_snapshots
    """,
    "opportunity_snapshots": """
        insert into opportunity_snapshots (
            snapshot_date, opportunity_id, owner_id, amount, stage_name, probability,
            forecast_category, close_date, is_closed, is_won)
        select date '1970-01-01' + s.day, 'OPP-' || lpad(cast(s.deal + 1 as varchar), 7, '0'),
               p.person_id, s.amount, st.stage_name, st.probability, k.category,
               date '1970-01-01' + s.close_day, st.is_closed, st.is_won
        from demo_opportunity_snapshots s
        join demo_dim_person p on p.i = s.owner
        join demo_dim_stage st on st.i = s.stage
        join demo_dim_category k on k.i = s.category
    """,
    "stage_events": """
        insert into stage_events (opportunity_id, stage_name, entered_at)
        select 'OPP-' || lpad(cast(e.deal + 1 as varchar), 7, '0'), st.stage_name, e.entered_at
        from demo_stage_events e
        join demo_dim_stage st on st.i = e.stage
    """,
    "quotas": """
        insert into quotas (person_id, period_id, amount, effective_date)
        select p.person_id, q.period_id, x.amount, date '1970-01-01' + x.day
        from demo_quotas x
        join demo_dim_person p on p.i = x.person
        join demo_dim_period q on q.i = x.quarter
    """,
    "leads": """
        insert into leads (
            lead_id, lead_name, company, source, segment, deal_type, owner_id, created_at,
            mql_at, srl_at, sql_at, disqualified_at, disqualified_reason, converted_at,
            opportunity_id, first_response_at, first_response_minutes, demo_booked_at,
            demo_no_show, touches)
        select 'L' || lpad(cast(l.lead + 1 as varchar), 7, '0'),
               f.first_name || ' ' || s.last_name, a.account_name, src.source, seg.segment,
               case when l.existing then 'existing' else 'new' end, p.person_id, l.created_at,
               l.mql_at, l.srl_at, l.sql_at, l.disqualified_at, r.reason, l.converted_at,
               case when l.deal >= 0
                    then 'OPP-' || lpad(cast(l.deal + 1 as varchar), 7, '0') end,
               l.first_response_at, l.minutes, l.demo_at, nullif(l.no_show, -1) = 1, l.touches
        from demo_leads l
        join demo_dim_first_name f on f.i = l.first_name
        join demo_dim_last_name s on s.i = l.last_name
        join demo_dim_account a on a.i = l.account
        join demo_dim_source src on src.i = l.source
        join demo_dim_segment seg on seg.i = l.segment
        join demo_dim_person p on p.i = l.owner
        left join demo_dim_reason r on r.i = l.reason
    """,
    "submissions": """
        insert into submissions (person_id, period_id, commit_amount, best_case_amount, note,
                                 submitted_at, entered_by)
        select p.person_id, q.period_id, c.commit_amount, c.best_case_amount, n.note,
               c.submitted_at, p.person_id
        from demo_submissions c
        join demo_dim_person p on p.i = c.person
        join demo_dim_period q on q.i = c.quarter
        left join demo_dim_call_note n on n.i = c.note
        order by c.submitted_at, p.person_id
    """,
    "adjustments": """
        insert into adjustments (manager_id, person_id, period_id, commit_amount,
                                 best_case_amount, note, adjusted_at, entered_by)
        select m.person_id, p.person_id, q.period_id, a.commit_amount, a.best_case_amount,
               n.note, a.adjusted_at, m.person_id
        from demo_adjustments a
        join demo_dim_person m on m.i = a.manager
        join demo_dim_person p on p.i = a.person
        join demo_dim_period q on q.i = a.quarter
        join demo_dim_adjustment_note n on n.i = a.note
        order by a.adjusted_at, p.person_id
    """,
}



def dimension(values, column: str, **extra) -> pd.DataFrame:
    """A small lookup frame: i (0-based index) and the text for each index."""
    frame = pd.DataFrame({"i": range(len(values)), column: list(values)})
    for name, col in extra.items():
        frame[name] = list(col)
    return frame


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> Iterator[None]:
    """Register each frame as view `demo_<name>` for the duration of the block."""
    for name, frame in frames.items():
        con.register(f"demo_{name}", frame)
    try:
        yield
    finally:
        for name in frames:
            con.unregister(f"demo_{name}")


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    with registered(con, {table: frame}):
        con.execute(INSERTS[table])


def clear(con: duckdb.DuckDBPyConnection) -> None:
    for statement in CLEAR:
        con.execute(statement)
