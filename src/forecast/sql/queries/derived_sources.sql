-- grain: one row: a fingerprint of everything the per-snapshot sums are built from (see
-- forecast.aggregates). Any import, snapshot or demo build changes at least one part: the
-- deal count, the latest update time or the amount total of the live deals, the row count
-- or latest date of the history, the list of snapshot dates, or the stages table.
select concat_ws(' | ',
    (select count(*) from opportunities),
    (select max(updated_at) from opportunities),
    (select sum(round(amount * 100)::hugeint) from opportunities),
    (select count(*) from opportunity_snapshots),
    (select max(snapshot_date) from opportunity_snapshots),
    (select list(snapshot_date order by snapshot_date) from snapshots),
    (select list(stages order by stage_name) from stages)
) as fingerprint
