-- grain: one row per point (a weekly snapshot date, or null = the live deals), owner, close
-- month and category: the amount, the weighted open amount and the number of deals, as the
-- deals stood at that point (the deal_states macro), for deals with a close date.
-- A deal that is closed now is counted at a snapshot from its final state when it is not in
-- that snapshot (derived_closed_sums holds those, by the first snapshot that sees them), and
-- from its snapshot row when it is: the `shadowed` rows take the final state back out there.
create or replace table derived_state_sums as
with snapshot_rows as (
    select s.snapshot_date as point_date, s.owner_id, s.close_date, s.amount,
           s.is_closed,
           coalesce(s.probability, st.probability) as probability_used,
           deal_category(s.is_won, s.is_closed, s.forecast_category, st.forecast_category)
               as category
    from opportunity_snapshots s
    left join stages st using (stage_name)
    where s.close_date is not null
),
live_rows as (
    select null::date as point_date, o.owner_id, o.close_date, o.amount, o.is_closed,
           coalesce(o.probability, st.probability) as probability_used,
           deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
               as category
    from opportunities o
    left join stages st using (stage_name)
    where o.close_date is not null
),
closed_now as (
    select o.opportunity_id, o.owner_id, o.close_date, o.amount,
           deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
               as category,
           greatest(o.close_date, coalesce(o.created_date, o.close_date)) as visible_on
    from opportunities o
    left join stages st using (stage_name)
    where o.is_closed and o.close_date is not null
),
shadowed as (
    select s.snapshot_date as point_date, c.owner_id, c.close_date, c.category,
           -c.amount as amount, -1 as deal_count
    from opportunity_snapshots s
    join closed_now c using (opportunity_id)
    where c.visible_on <= s.snapshot_date
),
unioned as (
    select point_date, owner_id, close_date, category, amount,
           if(is_closed, 0.0, amount * probability_used / 100.0) as weighted_open_amount,
           1 as deal_count
    from snapshot_rows
    union all
    select point_date, owner_id, close_date, category, amount,
           if(is_closed, 0.0, amount * probability_used / 100.0), 1
    from live_rows
    union all
    select point_date, owner_id, close_date, category, amount, 0.0, deal_count
    from shadowed
),
final as (
    select point_date, owner_id, date_trunc('month', close_date)::date as close_month,
           category,
           sum(amount) as amount,
           sum(weighted_open_amount) as weighted_open_amount,
           sum(deal_count)::bigint as deal_count
    from unioned
    group by all
)
select * from final
order by point_date nulls first, close_month, owner_id, category
