-- grain: one row per deal in the Start set or the End set of the week-over-week bridge (a
-- temp table read by movement_deals.sql): is_in_start, is_in_end.
--   Start = open deals in an open category (Pipeline, Best Case, Commit) closing in
--           [$start, $end], owned by someone in $root_id's team, as of t0 ($snap_t0 state,
--           $team_t0 hierarchy); End = the same at t1 ($snap_t1, null = live; $team_t1).
-- A table rather than a CTE: its size is then known when the bridge query is planned, so
-- only these deals' states are read at the two points.
create or replace temp table movement_bridged as
with team_t0 as (
    select person_id, if(len(path) = 1, path[1], path[2]) as member_id
    from team_members($root_id, $team_t0)
),
team_t1 as (
    select person_id, if(len(path) = 1, path[1], path[2]) as member_id
    from team_members($root_id, $team_t1)
),
-- the open deals at t0 as deal_states($snap_t0) has them: the snapshot's own rows (the
-- deals it adds from their final state are all closed) or the live deals
open_t0 as (
    select s.opportunity_id, s.owner_id, s.stage_name, s.forecast_category, s.close_date,
           s.is_closed, s.is_won
    from opportunity_snapshots s
    where s.snapshot_date = $snap_t0 and not s.is_closed
    union all
    select o.opportunity_id, o.owner_id, o.stage_name, o.forecast_category, o.close_date,
           o.is_closed, o.is_won
    from opportunities o
    where $snap_t0 is null and not o.is_closed
),
set_t0 as (
    select o.opportunity_id
    from open_t0 o
    join team_t0 t on t.person_id = o.owner_id
    left join stages st using (stage_name)
    where o.close_date between $start and $end
      and deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
          in ('Pipeline', 'Best Case', 'Commit')
),
-- the open deals at t1 as deal_states($snap_t1) has them: the snapshot's own rows (the
-- deals it adds from their final state are all closed) or the live deals
open_t1 as (
    select s.opportunity_id, s.owner_id, s.stage_name, s.forecast_category, s.close_date,
           s.is_closed, s.is_won
    from opportunity_snapshots s
    where s.snapshot_date = $snap_t1 and not s.is_closed
    union all
    select o.opportunity_id, o.owner_id, o.stage_name, o.forecast_category, o.close_date,
           o.is_closed, o.is_won
    from opportunities o
    where $snap_t1 is null and not o.is_closed
),
set_t1 as (
    select o.opportunity_id
    from open_t1 o
    join team_t1 t on t.person_id = o.owner_id
    left join stages st using (stage_name)
    where o.close_date between $start and $end
      and deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
          in ('Pipeline', 'Best Case', 'Commit')
),
final as (
    select coalesce(a.opportunity_id, b.opportunity_id) as opportunity_id,
           a.opportunity_id is not null as is_in_start,
           b.opportunity_id is not null as is_in_end
    from set_t0 a
    full join set_t1 b using (opportunity_id)
)
select * from final
