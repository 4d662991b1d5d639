-- grain: one row per event kind, month and owner: the sums of the four V's
-- (funnel_velocity_trend.sql) over the journeys with an opportunity by the as-of date.
--   'created': opportunities created in the month (deal_count, amount_usd);
--   'won': deals won in the month (deal_count, amount_usd, and cycle_days_sum / cycle_count
--   over those with both dates: days from the opportunity's creation to the win);
--   'lost': deals lost in the month (deal_count).
create or replace table derived_funnel_vs_months as
with deals as (
    select owner_id, opp_at, won_at, lost_at, amount_usd
    from derived_funnel_journeys
    where opportunity_id is not null
),
events as (
    select 'created' as kind, opp_at as event_at, owner_id, amount_usd, null::double as cycle_days
    from deals where opp_at is not null
    union all
    select 'won', won_at, owner_id, amount_usd,
           date_diff('second', opp_at, won_at) / 86400.0
    from deals where won_at is not null
    union all
    select 'lost', lost_at, owner_id, amount_usd, null
    from deals where lost_at is not null
),
final as (
    select kind, date_trunc('month', event_at)::date as month, owner_id,
           count(*) as deal_count, sum(amount_usd) as amount_usd,
           sum(cycle_days) as cycle_days_sum, count(cycle_days) as cycle_count
    from events
    group by all
)
select * from final
order by kind, month
