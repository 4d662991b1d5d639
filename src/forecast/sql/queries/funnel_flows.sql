-- grain: one row per pair (from step, to step or exit) that journeys of $root_id's team (as
-- of $as_of_date) moved along: each journey goes from every step it reached to the next step
-- it reached (skipping the ones it missed), and from its last step to its exit (won journeys
-- end at 'won').
--   $view 'period': the moves out of steps entered inside the window; 'cohort': every move of
--   the journeys that started inside it. The window is given as its whole months ($months,
--   from derived_funnel_flow_months) and its other days ($days, from derived_funnel_steps);
--   see forecast.funnel.window_parts.
with moves as (
    select f.owner_id, f.from_key, f.to_key, f.journey_count
    from derived_funnel_flow_months f
    where f.view = $view and f.month in (select unnest($months::date[]))
    union all
    select s.owner_id, s.step_key, s.next_key, 1
    from derived_funnel_steps s
    join (select unnest($days::date[]) as day) d
        on d.day = if($view = 'period', s.entered_at, s.start_at)::date
    where s.next_key is not null
),
final as (
    select from_key, to_key, sum(journey_count)::bigint as journey_count
    from moves
    join funnel_team($root_id) using (owner_id)
    group by all
)
select * from final
order by from_key, to_key
