-- grain: as movement_cells.sql (one row per bucket, direction, flow row and flow column of
-- the bridge), added up from derived_movement_pairs instead of deal by deal: for the default
-- comparison only ($snap_t0 = the table's snapshot_date, t1 = the live deals; the caller
-- checks). Start and End, the buckets and their precedence are those of
-- movement_classified.sql, decided here on the pairs' flags; $start and $end are the first
-- and last day of a period of whole months, so a close month is in the period exactly when
-- every close date in it is.
with team_t0 as (
    select person_id from team_members($root_id, $team_t0)
),
team_t1 as (
    select person_id from team_members($root_id, $team_t1)
),
sets as (
    select d.*,
           coalesce(d.is_open_t0 and d.close_month_t0 between $start and $end
                    and d.owner_id_t0 in (select person_id from team_t0), false) as is_in_start,
           coalesce(d.is_open_t1 and d.close_month_t1 between $start and $end
                    and d.owner_id_t1 in (select person_id from team_t1), false) as is_in_end
    from derived_movement_pairs d
    where d.snapshot_date = $snap_t0
      and ((d.is_open_t0 and d.close_month_t0 between $start and $end)
           or (d.is_open_t1 and d.close_month_t1 between $start and $end))
),
classified as (
    select *,
           case
               when is_in_start and is_in_end then
                   case
                       when change_sign > 0 then 'Amount up'
                       when change_sign < 0 then 'Amount down'
                       else 'Unchanged'
                   end
               when is_in_start then
                   case
                       when is_won_t1 then 'Won'
                       when is_closed_t1 then 'Lost'
                       when close_month_t1 > $end then 'Pushed out'
                       else 'Other'
                   end
               else
                   case
                       when not has_t0 then 'Created'
                       when not is_closed_t0
                            and (close_month_t0 is null
                                 or close_month_t0 not between $start and $end) then 'Pulled in'
                       else 'Other'
                   end
           end as bucket,
           case
               when is_in_start and is_in_end then 'change'
               when is_in_start then 'out'
               else 'in'
           end as direction
    from sets
    where is_in_start or is_in_end
),
final as (
    select bucket,
           direction,
           if(is_in_start, category_t0, 'New') as flow_row,
           if(is_in_end, category_t1,
              case bucket when 'Won' then 'Won' when 'Lost' then 'Lost'
                          when 'Pushed out' then 'Pushed' else 'Other' end) as flow_column,
           sum(deal_count)::bigint as deal_count,
           sum(case direction when 'change' then change_cents when 'out' then -cents_t0
                              else cents_t1 end)::bigint as value_cents,
           sum(case direction when 'change' then up_cents when 'out' then negative_t0_cents
                              else positive_t1_cents end)::bigint as inflow_cents,
           sum(case direction when 'change' then down_cents when 'out' then positive_t0_cents
                              else negative_t1_cents end)::bigint as outflow_cents,
           sum(if(is_in_start, cents_t0, 0))::bigint as start_cents,
           sum(if(is_in_end, cents_t1, 0))::bigint as end_cents,
           sum(if(is_in_start, deal_count, 0))::bigint as start_count,
           sum(if(is_in_end, deal_count, 0))::bigint as end_count
    from classified
    group by all
)
select * from final
