-- grain: one row per deal in the Start set or the End set of the week-over-week bridge, with
-- its bucket and its signed contribution in whole cents (a temp table read by
-- movement_cells.sql, the bars and the flow matrix, and movement_deals.sql, the drill-down).
--   Start = open deals in an open category (Pipeline, Best Case, Commit) closing in
--           [$start, $end], owned by someone in $root_id's team, as of t0 ($snap_t0 state,
--           $team_t0 hierarchy); End = the same at t1 ($snap_t1, null = live; $team_t1).
-- The precedence between buckets is documented in forecast.movement (PRECEDENCE); the case
-- expressions in `classified` are its only implementation. Deals in neither set (e.g.
-- created and closed between t0 and t1) are not rows here. The two sets come from the temp
-- table movement_bridged (movement_bridged.sql, built first); only their deals are read here.
-- No names and no order: the sums never need them, and the drill-down adds them to the few
-- rows it lists.
create or replace temp table movement_classified as
with team_t0 as (
    select person_id, if(len(path) = 1, path[1], path[2]) as member_id
    from team_members($root_id, $team_t0)
),
team_t1 as (
    select person_id, if(len(path) = 1, path[1], path[2]) as member_id
    from team_members($root_id, $team_t1)
),
bridged as (
    select opportunity_id from movement_bridged
),
-- the bridged deals as they stand now, read once (the live state, the final state of deals
-- closed by a snapshot date, and the names all come from here): found by id on the id
-- column alone, then only their rows are fetched, by row id
live_rows as (
    select o.rowid as row_id
    from opportunities o
    where o.opportunity_id in (select opportunity_id from bridged)
),
live as materialized (
    select o.opportunity_id, o.owner_id, o.amount, o.stage_name,
           o.forecast_category, o.close_date, o.created_date, o.is_closed, o.is_won
    from live_rows r
    join opportunities o on o.rowid = r.row_id
),
-- deal_states($snap_t0) of the bridged deals only: a snapshot's rows and the deals closed by
-- then that it does not hold (from their final state), or the live deals
raw_t0 as (
    select s.opportunity_id, s.owner_id, s.amount, s.stage_name, s.forecast_category,
           s.close_date, s.is_closed, s.is_won
    from opportunity_snapshots s
    where s.snapshot_date = $snap_t0
      and s.opportunity_id in (select opportunity_id from bridged)
    union all
    select o.opportunity_id, o.owner_id, o.amount, o.stage_name, o.forecast_category,
           o.close_date, o.is_closed, o.is_won
    from live o
    where ($snap_t0 is null
           or (o.is_closed and o.close_date <= $snap_t0
               and coalesce(o.created_date, o.close_date) <= $snap_t0
               and not exists (
                   select 1 from opportunity_snapshots s
                   where s.snapshot_date = $snap_t0 and s.opportunity_id = o.opportunity_id)))
),
state_t0 as (
    select s.opportunity_id, s.owner_id, s.amount, s.stage_name, s.close_date, s.is_closed,
           s.is_won, t.member_id,
           deal_category(s.is_won, s.is_closed, s.forecast_category, st.forecast_category)
               as category,
           t.person_id is not null as is_owner_in_team,
           coalesce(x.is_in_start, false) as is_in_set
    from raw_t0 s
    left join stages st using (stage_name)
    left join team_t0 t on t.person_id = s.owner_id
    left join movement_bridged x using (opportunity_id)
),
-- deal_states($snap_t1) of the bridged deals only: a snapshot's rows and the deals closed by
-- then that it does not hold (from their final state), or the live deals
raw_t1 as (
    select s.opportunity_id, s.owner_id, s.amount, s.stage_name, s.forecast_category,
           s.close_date, s.is_closed, s.is_won
    from opportunity_snapshots s
    where s.snapshot_date = $snap_t1
      and s.opportunity_id in (select opportunity_id from bridged)
    union all
    select o.opportunity_id, o.owner_id, o.amount, o.stage_name, o.forecast_category,
           o.close_date, o.is_closed, o.is_won
    from live o
    where ($snap_t1 is null
           or (o.is_closed and o.close_date <= $snap_t1
               and coalesce(o.created_date, o.close_date) <= $snap_t1
               and not exists (
                   select 1 from opportunity_snapshots s
                   where s.snapshot_date = $snap_t1 and s.opportunity_id = o.opportunity_id)))
),
state_t1 as (
    select s.opportunity_id, s.owner_id, s.amount, s.stage_name, s.close_date, s.is_closed,
           s.is_won, t.member_id,
           deal_category(s.is_won, s.is_closed, s.forecast_category, st.forecast_category)
               as category,
           t.person_id is not null as is_owner_in_team,
           coalesce(x.is_in_end, false) as is_in_set
    from raw_t1 s
    left join stages st using (stage_name)
    left join team_t1 t on t.person_id = s.owner_id
    left join movement_bridged x using (opportunity_id)
),
-- one full join of the two states, kept where the deal is in Start or End
paired as (
    select coalesce(a.opportunity_id, b.opportunity_id) as opportunity_id,
           coalesce(a.is_in_set, false) as is_in_start,
           coalesce(b.is_in_set, false) as is_in_end,
           a.opportunity_id is not null as has_t0,
           b.opportunity_id is not null as has_t1,
           a.member_id as member_id_t0, b.member_id as member_id_t1,
           a.owner_id as owner_id_t0, b.owner_id as owner_id_t1,
           a.amount as amount_t0, b.amount as amount_t1,
           round(a.amount * 100)::bigint as amount_t0_cents,
           round(b.amount * 100)::bigint as amount_t1_cents,
           a.close_date as close_date_t0, b.close_date as close_date_t1,
           a.category as category_t0, b.category as category_t1,
           a.stage_name as stage_t0, b.stage_name as stage_t1,
           a.is_closed as is_closed_t0,
           b.is_closed as is_closed_t1, b.is_won as is_won_t1,
           coalesce(a.is_owner_in_team, false) as is_owner_in_team_t0,
           coalesce(b.is_owner_in_team, false) as is_owner_in_team_t1
    from state_t0 a
    full join state_t1 b on b.opportunity_id = a.opportunity_id
    where coalesce(a.is_in_set, false) or coalesce(b.is_in_set, false)
),
classified as (
    select *,
           case
               when is_in_start and is_in_end then
                   case
                       when amount_t1_cents > amount_t0_cents then 'Amount up'
                       when amount_t1_cents < amount_t0_cents then 'Amount down'
                       else 'Unchanged'
                   end
               -- exits from Start, valued at t0: Won > Lost > Pushed out > Other
               when is_in_start then
                   case
                       when is_won_t1 then 'Won'
                       when is_closed_t1 then 'Lost'
                       when close_date_t1 > $end then 'Pushed out'
                       else 'Other'
                   end
               -- entries into End, valued at t1: Created > Pulled in > Other
               else
                   case
                       when not has_t0 then 'Created'
                       when not is_closed_t0
                            and (close_date_t0 is null
                                 or close_date_t0 not between $start and $end) then 'Pulled in'
                       else 'Other'
                   end
           end as bucket,
           case
               when is_in_start and is_in_end then 'change'
               when is_in_start then 'out'
               else 'in'
           end as direction
    from paired
),
valued as (
    select *,
           case
               when direction = 'change' then amount_t1_cents - amount_t0_cents
               when direction = 'out' then -amount_t0_cents
               else amount_t1_cents
           end as value_cents
    from classified
),
final as (
    select c.opportunity_id,
           if(c.is_in_end, c.owner_id_t1, c.owner_id_t0) as owner_id,
           if(c.is_in_end, c.member_id_t1, c.member_id_t0) as member_id,
           c.bucket,
           c.direction,
           case
               when c.bucket = 'Other' and c.direction = 'out' then
                   case
                       when not c.has_t1 then 'deal missing at t1 (deleted)'
                       when c.close_date_t1 is null then 'close date removed'
                       when c.close_date_t1 < $start then 'close date moved before the period'
                       when not c.is_owner_in_team_t1 then 'owner outside the team at t1'
                       when c.category_t1 not in ('Pipeline', 'Best Case', 'Commit')
                           then 'category set to ' || c.category_t1
                       else 'left the pipeline'
                   end
               when c.bucket = 'Other' then
                   case
                       when c.is_closed_t0 then 'reopened'
                       when not c.is_owner_in_team_t0 then 'owner outside the team at t0'
                       when c.category_t0 not in ('Pipeline', 'Best Case', 'Commit')
                           then 'category was ' || c.category_t0
                       else 'joined the pipeline'
                   end
               when c.bucket = 'Pulled in' and c.close_date_t0 < $start
                   then 'close date moved from before the period'
               when c.bucket = 'Pulled in' then 'close date moved into the period'
               when c.bucket = 'Pushed out' then 'close date moved after the period'
           end as reason,
           c.is_in_start,
           c.is_in_end,
           c.amount_t0,
           c.amount_t1,
           c.value_cents::double / 100 as value,
           c.value_cents,
           if(c.is_in_start, c.amount_t0_cents, 0) as start_cents,
           if(c.is_in_end, c.amount_t1_cents, 0) as end_cents,
           c.close_date_t0, c.close_date_t1,
           c.category_t0, c.category_t1,
           c.stage_t0, c.stage_t1,
           c.owner_id_t0, c.owner_id_t1,
           if(c.is_in_start, c.category_t0, 'New') as flow_row,
           if(c.is_in_end, c.category_t1,
              case c.bucket when 'Won' then 'Won' when 'Lost' then 'Lost'
                            when 'Pushed out' then 'Pushed' else 'Other' end) as flow_column
    from valued c
)
select * from final
