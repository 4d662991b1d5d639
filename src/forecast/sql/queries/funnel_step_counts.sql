-- grain: one row per window, split value, deal type and step or exit: how many journeys of
-- the team ($root_id's, from derived_funnel_teams)
-- the view counts there, strictly and at any stage, and
-- their value.
--   $view 'period': a journey counts at a step when it entered the step inside the window
--   (exits: when it left inside the window). 'cohort': the journeys that started inside the
--   window (lead created, or direct deal created), at every step they reached by the as-of
--   date. A window is given as the whole months it covers ($month_ids[i] covers $months[i],
--   summed from derived_funnel_step_months) and its other days ($day_ids[i] covers $days[i],
--   read from derived_funnel_steps): forecast.funnel.window_parts splits it.
--   split_value: the column $dimension names (funnel_split, derived_funnel_members.sql);
--   the months are read at the grain that holds it (funnel_dim).
with month_parts as (
    select unnest($month_ids::varchar[]) as window_id, unnest($months::date[]) as month
),
day_parts as (
    select unnest($day_ids::varchar[]) as window_id, unnest($days::date[]) as day
),
counted as (
    select w.window_id, a.owner_id, a.dim_value, a.deal_type, a.step_key,
           a.entrants_any, a.entrants_strict, a.value_any_usd, a.value_strict_usd
    from derived_funnel_step_months a
    join month_parts w on w.month = a.month
    where a.dim = funnel_dim($dimension) and a.view = $view
    union all
    select w.window_id, s.owner_id, if($dimension = 'source', s.source, s.segment),
           s.deal_type, s.step_key,
           1, s.is_strict::integer, s.value_usd, if(s.is_strict, s.value_usd, null)
    from derived_funnel_steps s
    join day_parts w
        on w.day = if($view = 'period', s.entered_at, s.start_at)::date
),
final as (
    select c.window_id,
           funnel_split($dimension, c.dim_value, c.deal_type, m.member_name, m.owner_name)
               as split_value,
           c.deal_type, c.step_key,
           sum(c.entrants_any)::bigint as entrants_any,
           sum(c.entrants_strict)::bigint as entrants_strict,
           coalesce(sum(c.value_any_usd), 0) as value_any_usd,
           coalesce(sum(c.value_strict_usd), 0) as value_strict_usd
    from counted c
    join funnel_team($root_id) m using (owner_id)
    group by all
)
select * from final
order by window_id, split_value, deal_type, step_key
