"""Weekly snapshots of the live deals: the history every past view is rebuilt from."""

from __future__ import annotations

from datetime import date

import duckdb

from forecast import asof
from forecast.append_only import HistoryError
from forecast.db import transaction
from forecast.importing.load import touch_snapshots


def take_snapshot(con: duckdb.DuckDBPyConnection, day: date, source: str = "manual") -> int:
    """Record the live state of every open deal, and of deals closed since the previous
    snapshot, as the snapshot of `day`. Returns the number of rows added.

    Append-only: taking the same day again adds only deals the day's snapshot lacks. It
    raises HistoryError, writing nothing, when the live deals differ from rows already
    recorded for `day`, or when `day` is before the date the live deals speak for (their
    state then is not known any more)."""
    live = asof.data_date(con)
    if day < live:
        raise HistoryError(
            f"The live deals speak for {live:%Y-%m-%d}; recording them as the snapshot of "
            f"{day:%Y-%m-%d}, an earlier date, would rewrite history. Use {live:%Y-%m-%d} or "
            "a later date.")
    with transaction(con):
        (previous,) = con.execute(
            "select max(snapshot_date) from snapshots where snapshot_date < $d", {"d": day}
        ).fetchall()[0]
        _refuse_changes(con, day, previous)
        (added,) = con.execute(
            """
            insert into opportunity_snapshots
                (snapshot_date, opportunity_id, owner_id, amount, stage_name, probability,
                 forecast_category, close_date, is_closed, is_won)
            select $d, o.opportunity_id, o.owner_id, o.amount, o.stage_name, o.probability,
                   o.forecast_category, o.close_date, o.is_closed, o.is_won
            from opportunities o
            where (not o.is_closed or o.close_date > coalesce($prev, date '1900-01-01'))
              and coalesce(o.created_date, $d) <= $d
              and not exists (
                  select 1 from opportunity_snapshots s
                  where s.snapshot_date = $d and s.opportunity_id = o.opportunity_id)
            """,
            {"d": day, "prev": previous},
        ).fetchall()[0]
        touch_snapshots(con, [day], source)  # the day's tally counts the deals added too
    return int(added)


def _refuse_changes(con: duckdb.DuckDBPyConnection, day: date, previous: date | None) -> None:
    """HistoryError when a deal's live state differs from its row in the snapshot of `day`."""
    changed = con.execute(
        """
        select o.opportunity_id
        from opportunities o
        join opportunity_snapshots s
          on s.snapshot_date = $d and s.opportunity_id = o.opportunity_id
        where (not o.is_closed or o.close_date > coalesce($prev, date '1900-01-01'))
          and coalesce(o.created_date, $d) <= $d
          and (s.owner_id is distinct from o.owner_id or s.amount is distinct from o.amount
               or s.stage_name is distinct from o.stage_name
               or s.probability is distinct from o.probability
               or s.forecast_category is distinct from o.forecast_category
               or s.close_date is distinct from o.close_date
               or s.is_closed is distinct from o.is_closed or s.is_won is distinct from o.is_won)
        order by 1
        """, {"d": day, "prev": previous}).fetchall()
    if changed:
        ids = ", ".join(row[0] for row in changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise HistoryError(
            f"The snapshot of {day:%Y-%m-%d} already records {len(changed):,} deal(s) with "
            f"other values than the live data ({ids}); history is never rewritten, so take "
            "the snapshot with a later date.")
