-- grain: one row per step of derived_funnel_catalog, in funnel order: how many journeys of
-- the team ($root_id's, from derived_funnel_teams)
-- reached it (dated or not) by the as-of date; got_past /
-- passed are the store's (see derived_funnel_catalog.sql).
with reached as (
    select a.step_key, a.reached_count, a.dated_count
    from derived_funnel_step_totals a
    join funnel_team($root_id) m using (owner_id)
    where a.dim = 'none'
),
final as (
    select c.step_key, c.step_order, c.is_required, c.got_past, c.passed,
           coalesce(sum(r.reached_count), 0)::bigint as reached_count,
           coalesce(sum(r.dated_count), 0)::bigint as dated_count
    from derived_funnel_catalog c
    left join reached r using (step_key)
    group by c.step_key, c.step_order, c.is_required, c.got_past, c.passed
)
select * from final
order by step_order
