-- grain: one row: what forecast.movement checks before comparing $root_id's pipeline at two
-- points, read at once: the first weekly snapshot, whether the snapshots of t0 and t1 exist
-- (null when that point is the live data), and whether the root is an active person on each
-- point's date (the first row of team_members($root_id, day) is the root itself exactly
-- then, so the subtree need not be walked to know whether it is empty).
select
    (select min(snapshot_date) from snapshots) as first_snapshot,
    (select count(*) > 0 from snapshots where snapshot_date = $snap_t0) as has_snap_t0,
    (select count(*) > 0 from snapshots where snapshot_date = $snap_t1) as has_snap_t1,
    (select count(*) > 0 from lines_as_of($team_t0) where person_id = $root_id and is_active)
        as root_at_t0,
    (select count(*) > 0 from lines_as_of($team_t1) where person_id = $root_id and is_active)
        as root_at_t1
