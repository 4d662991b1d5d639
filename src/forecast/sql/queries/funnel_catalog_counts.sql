-- grain: one row per step of funnel_catalog, in funnel order: how many journeys of the scope
-- reached it (dated or not) by the as-of date; got_past / passed are the store's (see
-- funnel_catalog.sql).
select c.step_key, c.step_order, c.is_required, c.got_past, c.passed,
       count(s.journey_id) as reached_count, count(s.entered_at) as dated_count
from funnel_catalog c
left join funnel_steps s on s.step_key = c.step_key and s.step_kind = 'step'
group by c.step_key, c.step_order, c.is_required, c.got_past, c.passed
order by c.step_order
