-- grain: one row per split value, deal type and funnel step: over every journey of the scope
-- that reached the step by the as-of date (any time), how many are resolved (won, lost or
-- disqualified) and how much they won. won_usd / resolved_count is the downstream value of
-- one entrant of the step; journeys still open are left out so that young pipeline does not
-- shrink it.
with journeys as (
    select journey_id, deal_type, coalesce(amount_usd, 0) as amount_usd,
           won_at is not null as is_won,
           won_at is not null or lost_at is not null or disqualified_at is not null
               as is_resolved,
           split_value
    from funnel_journeys
),
final as (
    select j.split_value, j.deal_type, s.step_key,
           count(*) filter (where j.is_resolved) as resolved_any,
           count(*) filter (where j.is_resolved and s.is_strict) as resolved_strict,
           coalesce(sum(j.amount_usd) filter (where j.is_won), 0) as won_any_usd,
           coalesce(sum(j.amount_usd) filter (where j.is_won and s.is_strict), 0)
               as won_strict_usd
    from funnel_steps s
    join journeys j using (journey_id)
    where s.step_kind = 'step'
    group by all
)
select * from final
order by split_value, deal_type, step_key
