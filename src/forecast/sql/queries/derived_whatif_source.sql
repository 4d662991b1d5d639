-- grain: one row: a fingerprint of what derived_whatif_points and derived_whatif_history are
-- built from: the deals' final states and the weekly history (as for the per-snapshot sums),
-- the stages, the data date and the fiscal calendar (which period is "the same point").
select concat_ws(' | ',
    (select count(*) from opportunities),
    (select max(updated_at) from opportunities),
    (select count(*) from opportunity_snapshots),
    (select list(snapshot_date order by snapshot_date) from snapshots),
    (select list(stages order by stage_name) from stages),
    (select max(value) from settings where key = 'data_as_of'),
    (select list(start_date order by period_type, start_date) from fiscal_periods)
) as fingerprint
