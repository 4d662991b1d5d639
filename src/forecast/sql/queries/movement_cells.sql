-- grain: one row per bucket, direction, flow row (category at t0, 'New' when not in Start)
-- and flow column (category at t1, or the exit: Won, Lost, Pushed, Other) of the bridge in
-- the temp table movement_classified: the deals, whole cents and signed parts behind each.
-- forecast.movement adds these few rows up into the bars and the category flow matrix.
with final as (
    select bucket,
           direction,
           flow_row,
           flow_column,
           count(*) as deal_count,
           sum(value_cents)::bigint as value_cents,
           sum(greatest(value_cents, 0))::bigint as inflow_cents,
           sum(greatest(-value_cents, 0))::bigint as outflow_cents,
           sum(start_cents)::bigint as start_cents,
           sum(end_cents)::bigint as end_cents,
           count(*) filter (where is_in_start) as start_count,
           count(*) filter (where is_in_end) as end_count
    from movement_classified
    group by all
)
select * from final
