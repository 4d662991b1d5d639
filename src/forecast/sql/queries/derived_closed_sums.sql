-- grain: one row per snapshot date, owner, close month and category: the deals closed now
-- (final state) that a snapshot sees from that date on and does not hold itself, i.e. close
-- date and created date on or before the snapshot (the deal_states macro). visible_snapshot
-- is the first snapshot on or after that day; a deal visible after the last snapshot is
-- only in the live sums. At snapshot S the deals of every row with visible_snapshot <= S
-- count, minus those S holds (derived_state_sums takes them out).
create or replace table derived_closed_sums as
with closed_now as (
    select o.owner_id, o.close_date, o.amount,
           deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
               as category,
           greatest(o.close_date, coalesce(o.created_date, o.close_date)) as visible_on
    from opportunities o
    left join stages st using (stage_name)
    where o.is_closed and o.close_date is not null
),
placed as (
    -- the first snapshot on or after visible_on (none: only the live sums see the deal)
    select c.*, s.snapshot_date as visible_snapshot
    from closed_now c
    asof join snapshots s on c.visible_on <= s.snapshot_date
),
final as (
    select visible_snapshot, owner_id, date_trunc('month', close_date)::date as close_month,
           category, sum(amount) as amount, count(*) as deal_count
    from placed
    group by all
)
select * from final
order by close_month, visible_snapshot, owner_id, category
