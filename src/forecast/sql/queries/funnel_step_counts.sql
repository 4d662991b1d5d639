-- grain: one row per window, split value, deal type and step or exit: how many journeys the
-- view counts there, strictly and at any stage, and their value.
--   $view 'period': a journey counts at a step when it entered the step inside the window
--   (exits: when it left inside the window). 'cohort': the journeys that started inside the
--   window (lead created, or direct deal created), at every step they reached by the as-of
--   date. Windows: parallel lists $window_ids, $window_starts, $window_ends (dates,
--   inclusive). split_value was fixed when the scope was built.
with windows as (
    select unnest($window_ids) as window_id,
           unnest($window_starts)::timestamp as starts_at,
           (unnest($window_ends)::date + interval 1 day)::timestamp as ends_before
),
journeys as (
    select journey_id, start_at, deal_type, value_usd,
           split_value
    from funnel_journeys
),
counted as (
    select w.window_id, s.journey_id, s.step_key, s.is_strict
    from funnel_steps s
    join windows w on s.entered_at >= w.starts_at and s.entered_at < w.ends_before
    where $view = 'period'
    union all
    select w.window_id, s.journey_id, s.step_key, s.is_strict
    from funnel_steps s
    join journeys j using (journey_id)
    join windows w on j.start_at >= w.starts_at and j.start_at < w.ends_before
    where $view = 'cohort'
),
final as (
    select c.window_id, j.split_value, j.deal_type, c.step_key,
           count(*) as entrants_any,
           count(*) filter (where c.is_strict) as entrants_strict,
           coalesce(sum(j.value_usd), 0) as value_any_usd,
           coalesce(sum(j.value_usd) filter (where c.is_strict), 0) as value_strict_usd
    from counted c
    join journeys j using (journey_id)
    group by all
)
select * from final
order by window_id, split_value, deal_type, step_key
