"""Every write the importer makes, in one module: all SQL here uses bound parameters or a
registered DataFrame, never values formatted into the text.

The callers run these inside one transaction (see api.py); none of them commits.
DuckDB 2 note: a result from execute() must be fetched to the end before the connection does
anything else, so every query here is read with fetchall() or df().
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

try:
    import pyarrow as pa
except ImportError:  # pragma: no cover
    pa = None

from forecast import append_only, asof, calendar
from forecast.importing.model import ImportFailed


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[tuple]:
    append_only.check(sql)
    return con.execute(sql, params or {}).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    found = rows(con, sql, params)
    return found[0][0] if found else None


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    append_only.check(sql)
    return con.execute(sql, params or {}).df()


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, data: pd.DataFrame) -> Iterator[str]:
    """Expose `data` to SQL as view `name` for the duration of the block."""
    rows(con, "select 1")  # settle any half-read result left by other modules' fetchone()
    con.register(name, _arrow(data))
    try:
        yield name
    finally:
        rows(con, "select 1")
        con.unregister(name)


def _arrow(data: pd.DataFrame):
    """DuckDB scans an Arrow table far faster than a DataFrame of Python objects."""
    if pa is None:  # pragma: no cover
        return data
    return pa.Table.from_pandas(data, preserve_index=False)


def reporting_currency(con: duckdb.DuckDBPyConnection) -> str:
    value = scalar(con, "select value from settings where key = 'reporting_currency'")
    return (value or "USD").upper()


def people_ids(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return frame(con, "select person_id, name from people")


def stages(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return frame(con, "select stage_name, stage_order, probability, forecast_category, "
                      "is_closed, is_won from stages order by stage_order")


# ---------------------------------------------------------------- people and stages


def insert_people(con: duckdb.DuckDBPyConnection, people: pd.DataFrame) -> int:
    """Add people (person_id, name, email, title) not yet in the store; others are left."""
    if people.empty:
        return 0
    with registered(con, "incoming_people", people):
        return _count(con.execute(
            """
            insert into people (person_id, name, email, title)
            select person_id, name, email, title from incoming_people i
            where not exists (select 1 from people p where p.person_id = i.person_id)
            """).fetchall())


def upsert_people(con: duckdb.DuckDBPyConnection, people: pd.DataFrame) -> tuple[int, int]:
    """Insert new people; update name, and email/title where the file gives one."""
    if people.empty:
        return 0, 0
    with registered(con, "incoming_people", people):
        updated = _count(con.execute(
            """
            update people p set name = i.name,
                   email = coalesce(i.email, p.email), title = coalesce(i.title, p.title)
            from incoming_people i
            where p.person_id = i.person_id
              and (p.name is distinct from i.name
                   or p.email is distinct from coalesce(i.email, p.email)
                   or p.title is distinct from coalesce(i.title, p.title))
            """).fetchall())
        added = insert_people(con, people)
    return added, updated


def insert_reporting_lines(con: duckdb.DuckDBPyConnection, lines: pd.DataFrame) -> int:
    """Append reporting lines (person_id, manager_id, effective_date, is_active) that change
    something: a row is skipped when its date already has a line or the line in effect on
    that date is the same."""
    if lines.empty:
        return 0
    with registered(con, "incoming_lines", lines):
        return _count(con.execute(
            """
            insert into reporting_lines (person_id, manager_id, effective_date, is_active)
            select i.person_id, i.manager_id, i.effective_date, i.is_active
            from incoming_lines i
            where not exists (
                select 1 from reporting_lines r
                where r.person_id = i.person_id and r.effective_date = i.effective_date)
              and not exists (
                select 1 from (
                    select manager_id, is_active from reporting_lines r
                    where r.person_id = i.person_id and r.effective_date < i.effective_date
                    order by r.effective_date desc limit 1) last
                where last.manager_id is not distinct from i.manager_id
                  and last.is_active = i.is_active)
            """).fetchall())


def insert_stages(con: duckdb.DuckDBPyConnection, new_stages: pd.DataFrame) -> int:
    if new_stages.empty:
        return 0
    with registered(con, "incoming_stages", new_stages):
        return _count(con.execute(
            """
            insert into stages (stage_name, stage_order, probability, forecast_category,
                                is_closed, is_won)
            select stage_name, stage_order, probability, forecast_category, is_closed, is_won
            from incoming_stages i
            where not exists (select 1 from stages s where s.stage_name = i.stage_name)
            """).fetchall())


# ---------------------------------------------------------------- deals


DEAL_COLUMNS = ["opportunity_id", "opportunity_name", "account_name", "owner_id", "amount",
                "amount_original", "currency", "stage_name", "probability",
                "forecast_category", "close_date", "created_date", "deal_type", "lead_source",
                "segment", "is_closed", "is_won", "stage_entered_date"]

# when a deal entered its current stage, unless the file says: a closed deal on its close
# date (when that is not after the export), anything else on the export's date
_ENTERED = ("coalesce(i.stage_entered_date, case when i.is_closed and i.close_date <= $as_of "
            "then i.close_date end, $as_of)")

# the file's own stage history (HubSpot 'Date entered' columns) may already hold the entry,
# with a time of day: then no second, midnight event
_NO_EVENT_YET = ("not exists (select 1 from stage_events e where e.opportunity_id = "
                 "i.opportunity_id and e.stage_name = i.stage_name "
                 "and e.entered_at::date = (ENTERED)::date)")

_CHANGED = " or ".join(
    f"o.{c} is distinct from i.{c}" for c in DEAL_COLUMNS
    if c not in ("opportunity_id", "stage_entered_date"))


def _expand(sql: str) -> str:
    """Fill the fixed fragments above into a statement (no values: those stay $params)."""
    return sql.replace("NO_EVENT_YET", _NO_EVENT_YET).replace("ENTERED", _ENTERED).replace(
        "CHANGED", _CHANGED)


_EVENTS_FOR_STAGE_CHANGES = _expand("""
    insert or ignore into stage_events (opportunity_id, stage_name, entered_at)
    select i.opportunity_id, i.stage_name, (ENTERED)::timestamp
    from incoming_deals i join opportunities o using (opportunity_id)
    where o.stage_name <> i.stage_name and NO_EVENT_YET""")

_UPDATE_KNOWN_DEALS = _expand("""
    update opportunities o set
        opportunity_name = i.opportunity_name, account_name = i.account_name,
        owner_id = i.owner_id, amount = i.amount, amount_original = i.amount_original,
        currency = i.currency, stage_name = i.stage_name, probability = i.probability,
        forecast_category = i.forecast_category, close_date = i.close_date,
        created_date = i.created_date, deal_type = i.deal_type,
        lead_source = i.lead_source, segment = i.segment,
        is_closed = i.is_closed, is_won = i.is_won,
        stage_entered_date = case
            when o.stage_name <> i.stage_name then ENTERED
            else coalesce(i.stage_entered_date, o.stage_entered_date) end,
        close_date_pushes = o.close_date_pushes
            + case when i.close_date > o.close_date then 1 else 0 end,
        updated_at = current_timestamp,
        import_id = $import_id
    from incoming_deals i
    where o.opportunity_id = i.opportunity_id and (CHANGED)""")

_EVENTS_FOR_NEW_DEALS = _expand("""
    insert or ignore into stage_events (opportunity_id, stage_name, entered_at)
    select i.opportunity_id, i.stage_name, (ENTERED)::timestamp
    from incoming_deals i
    where not exists (select 1 from opportunities o where o.opportunity_id = i.opportunity_id)
      and NO_EVENT_YET""")

# the same when the file brought no stage history of its own: nothing to skip, and no
# conflict possible (only deals already in the store can have events), so a plain insert
_EVENTS_FOR_NEW_DEALS_PLAIN = _expand("""
    insert into stage_events (opportunity_id, stage_name, entered_at)
    select i.opportunity_id, i.stage_name, (ENTERED)::timestamp
    from incoming_deals i
    where not exists (select 1 from opportunities o where o.opportunity_id = i.opportunity_id)
    """)

_INSERT_NEW_DEALS = _expand("""
    insert into opportunities (opportunity_id, opportunity_name, account_name, owner_id,
        amount, amount_original, currency, stage_name, probability, forecast_category,
        close_date, created_date, deal_type, lead_source, segment, is_closed, is_won,
        stage_entered_date, close_date_pushes, import_id)
    select opportunity_id, opportunity_name, account_name, owner_id, amount, amount_original,
           currency, stage_name, probability, forecast_category, close_date, created_date,
           deal_type, lead_source, segment, is_closed, is_won, ENTERED, 0, $import_id
    from incoming_deals i
    where not exists (select 1 from opportunities o where o.opportunity_id = i.opportunity_id)""")


@dataclass
class DealWrite:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    snapshot_rows: int = 0
    snapshot_date: date | None = None


def write_deals(con: duckdb.DuckDBPyConnection, deals: pd.DataFrame, *, as_of: date,
                import_id: str, source: str, update_existing: bool = True,
                file_events: bool = False) -> DealWrite:
    """Upsert the current state of `deals` (one row per opportunity_id, DEAL_COLUMNS) and add
    their snapshot for `as_of`. Idempotent: rows identical to the store change nothing.

    - a stage change appends a stage event and sets stage_entered_date (to the file's date
      entered, else `as_of`); a new deal's first event is its current stage;
    - a close date later than the stored one adds 1 to close_date_pushes;
    - with update_existing False (an export older than the live data) known deals are left
      as they are and only new deals and the snapshot are added;
    - file_events: the caller already stored the file's own stage dates (HubSpot 'Date
      entered' columns, Maven engage dates); an entry on the same day is not added twice.
    """
    out = DealWrite(snapshot_date=as_of)
    if deals.empty:
        return out
    params = {"as_of": as_of, "import_id": import_id}
    with registered(con, "incoming_deals", deals[DEAL_COLUMNS]):
        known = scalar(con, "select count(*) from incoming_deals i join opportunities o "
                            "using (opportunity_id)")
        if update_existing and known:
            rows(con, _EVENTS_FOR_STAGE_CHANGES, {"as_of": as_of})
            out.updated = _count(rows(con, _UPDATE_KNOWN_DEALS, params))
        rows(con, _EVENTS_FOR_NEW_DEALS if file_events else _EVENTS_FOR_NEW_DEALS_PLAIN,
             {"as_of": as_of})
        out.new = _count(rows(con, _INSERT_NEW_DEALS, params))
        out.unchanged = int(known) - out.updated
        out.snapshot_rows = _snapshot(con, as_of, source)
    return out


def _snapshot(con: duckdb.DuckDBPyConnection, day: date, source: str) -> int:
    """Append the file's deals to the snapshot of `day`: open deals, and deals closed since
    the previous snapshot (the rule history.take_snapshot uses). Rows already there stay."""
    previous = scalar(con, "select max(snapshot_date) from snapshots where snapshot_date < $d",
                      {"d": day})
    _refuse_snapshot_changes(con, day, previous)
    added = _count(con.execute(
        """
        insert into opportunity_snapshots
            (snapshot_date, opportunity_id, owner_id, amount, stage_name, probability,
             forecast_category, close_date, is_closed, is_won)
        select $d, i.opportunity_id, i.owner_id, i.amount, i.stage_name, i.probability,
               i.forecast_category, i.close_date, i.is_closed, i.is_won
        from incoming_deals i
        where (not i.is_closed or i.close_date is null
               or i.close_date > coalesce($prev, date '1900-01-01'))
          and coalesce(i.created_date, $d) <= $d
          and not exists (select 1 from opportunity_snapshots s
                          where s.snapshot_date = $d and s.opportunity_id = i.opportunity_id)
        """, {"d": day, "prev": previous}).fetchall())
    touch_snapshots(con, [day], source)
    return added


def _refuse_snapshot_changes(con: duckdb.DuckDBPyConnection, day: date, previous) -> None:
    """History is never rewritten: a deal the snapshot of `day` already records must arrive
    with the same values, else the whole import stops."""
    changed = rows(con, """
        select i.opportunity_id
        from incoming_deals i
        join opportunity_snapshots s
          on s.snapshot_date = $d and s.opportunity_id = i.opportunity_id
        where (not i.is_closed or i.close_date is null
               or i.close_date > coalesce($prev, date '1900-01-01'))
          and coalesce(i.created_date, $d) <= $d
          and (s.owner_id is distinct from i.owner_id or s.amount is distinct from i.amount
               or s.stage_name is distinct from i.stage_name
               or s.probability is distinct from i.probability
               or s.forecast_category is distinct from i.forecast_category
               or s.close_date is distinct from i.close_date
               or s.is_closed is distinct from i.is_closed or s.is_won is distinct from i.is_won)
        order by 1""", {"d": day, "prev": previous})
    if changed:
        ids = ", ".join(f"'{r[0]}'" for r in changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise ImportFailed(
            f"The snapshot of {day:%Y-%m-%d} already records {len(changed):,} of these deals "
            f"with other values ({ids}), and history is never rewritten. If this export is "
            f"newer than {day:%Y-%m-%d}, import it with the later date it speaks for.")


def touch_snapshots(con: duckdb.DuckDBPyConnection, days: list[date], source: str) -> None:
    """Make sure each day has its snapshots row and that deal_count counts its rows."""
    for day in days:
        con.execute(
            """
            insert into snapshots (snapshot_date, source, deal_count)
            select $d, $source, count(*) from opportunity_snapshots where snapshot_date = $d
            having not exists (select 1 from snapshots where snapshot_date = $d)
            """, {"d": day, "source": source}).fetchall()
        con.execute(
            """
            update snapshots set deal_count = c.n
            from (select count(*) as n from opportunity_snapshots where snapshot_date = $d) c
            where snapshot_date = $d and deal_count <> c.n
            """, {"d": day}).fetchall()


def insert_stage_events(con: duckdb.DuckDBPyConnection, events: pd.DataFrame) -> int:
    """events: opportunity_id, stage_name, entered_at. Existing ones are left alone."""
    if events.empty:
        return 0
    with registered(con, "incoming_events", events):
        return _count(con.execute(
            """
            insert or ignore into stage_events (opportunity_id, stage_name, entered_at)
            select opportunity_id, stage_name, entered_at from incoming_events
            """).fetchall())


def after_deals(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Keep the derived bits in step with the deals: the fiscal periods cover every deal date
    and the live data's date moves to `as_of` (never backwards)."""
    first, last = rows(con, """
        select least(min(close_date), min(created_date)),
               greatest(max(close_date), max(created_date)) from opportunities""")[0]
    p_first, p_last = rows(con, "select min(start_date), max(end_date) from fiscal_periods")[0]
    wanted_first = min(d for d in (first, p_first, as_of) if d is not None)
    wanted_last = max(d for d in (last, p_last, as_of) if d is not None)
    if p_first is None or wanted_first < p_first or wanted_last > p_last:
        calendar.rebuild_fiscal_periods(con, wanted_first, wanted_last)
    asof.record_data_date(con, as_of)
    rows(con, "select 1")


def live_data_date(con: duckdb.DuckDBPyConnection) -> date | None:
    value = scalar(con, "select value from settings where key = $k",
                   {"k": asof.DATA_DATE_SETTING})
    return date.fromisoformat(value) if value else None


# ---------------------------------------------------------------- the import log


def previous_import(con: duckdb.DuckDBPyConnection, sha: str, kind: str | None):
    found = rows(con, """
        select import_id, started_at, format from imports
        where file_sha256 = $sha and status in ('loaded', 'loaded_with_rejects')
          and ($kind is null or format = $kind)
        order by started_at desc limit 1""", {"sha": sha, "kind": kind})
    return found[0] if found else None


def record_import(con: duckdb.DuckDBPyConnection, result, *, started_at: datetime,
                  sha: str | None) -> None:
    con.execute(
        """
        insert into imports (import_id, started_at, finished_at, source_file, file_sha256,
            format, rows_in, rows_loaded, rows_rejected, status, message, assumptions)
        values ($id, $started, current_timestamp, $file, $sha, $format, $rows_in,
                $loaded, $rejected, $status, $message, $assumptions)
        """,
        {"id": result.import_id, "started": started_at, "file": result.source_file,
         "sha": sha, "format": result.kind, "rows_in": result.rows_in,
         "loaded": result.rows_loaded, "rejected": result.rows_rejected,
         "status": result.status, "message": result.message,
         "assumptions": json.dumps(result.assumptions)}).fetchall()
    if len(result.rejects):
        rejects = result.rejects.assign(import_id=result.import_id)
        with registered(con, "incoming_rejects", rejects):
            con.execute(
                """
                insert into import_rejects (import_id, source_file, line_number, column_name,
                    value, reason, raw_row)
                select import_id, source_file, line_number, column_name, value, reason,
                       raw_row
                from incoming_rejects
                """).fetchall()


def _count(result: list[tuple]) -> int:
    return int(result[0][0]) if result else 0
