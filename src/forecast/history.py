"""Weekly snapshots of the live deals: the history every past view is rebuilt from."""

from __future__ import annotations

from datetime import date

import duckdb

from forecast.db import transaction


def take_snapshot(con: duckdb.DuckDBPyConnection, day: date, source: str = "manual") -> int:
    """Record the live state of every open deal, and of deals closed since the previous
    snapshot, as the snapshot of `day`. Append-only: rows already in that day's snapshot are
    left as they are. Returns the number of rows added."""
    with transaction(con):
        (previous,) = con.execute(
            "select max(snapshot_date) from snapshots where snapshot_date < $d", {"d": day}
        ).fetchone()
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
        ).fetchone()
        con.execute(
            """
            insert into snapshots (snapshot_date, source, deal_count)
            select $d, $source, count(*) from opportunity_snapshots where snapshot_date = $d
            having not exists (select 1 from snapshots where snapshot_date = $d)
            """,
            {"d": day, "source": source},
        )
    return int(added)
