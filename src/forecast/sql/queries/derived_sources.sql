-- grain: one row: a fingerprint of everything the per-snapshot sums are built from (see
-- forecast.aggregates). Any import, snapshot or demo build changes at least one part: the
-- deal count or the latest update time of the live deals (an import stamps every deal it
-- changes), the row count or latest date of the history (append-only), the list of snapshot
-- dates, or the stages table. Each part comes from table statistics or a tiny table, so the
-- check costs about a millisecond.
select concat_ws(' | ',
    (select count(*) from opportunities),
    (select max(updated_at) from opportunities),
    (select count(*) from opportunity_snapshots),
    (select max(snapshot_date) from opportunity_snapshots),
    (select list(snapshot_date order by snapshot_date) from snapshots),
    (select list(stages order by stage_name) from stages)
) as fingerprint
