-- grain: one row per split value, deal type and funnel step: over every journey of
-- the team ($root_id's, from derived_funnel_teams)
-- that reached the step by the as-of date (any time),
-- how many are resolved (won, lost or disqualified) and how much they won. won_usd /
-- resolved_count is the downstream value of one entrant of the step; journeys still open are
-- left out so that young pipeline does not shrink it.
with final as (
    select funnel_split($dimension, a.dim_value, a.deal_type, m.member_name, m.owner_name)
               as split_value,
           a.deal_type, a.step_key,
           sum(a.resolved_any)::bigint as resolved_any,
           sum(a.resolved_strict)::bigint as resolved_strict,
           coalesce(sum(a.won_any_usd), 0) as won_any_usd,
           coalesce(sum(a.won_strict_usd), 0) as won_strict_usd
    from derived_funnel_step_totals a
    join funnel_team($root_id) m using (owner_id)
    where a.dim = funnel_dim($dimension)
      and a.step_key in (select step_key from derived_funnel_catalog)
    group by all
)
select * from final
order by split_value, deal_type, step_key
