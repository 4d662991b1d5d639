-- grain: one row per pair (from step, to step or exit) that journeys moved along: each
-- journey goes from every step it reached to the next step it reached (skipping the ones it
-- missed), and from its last step to its exit (won journeys end at 'won').
--   $view 'period': the moves out of steps entered inside [$start, $end];
--   'cohort': every move of the journeys that started inside [$start, $end].
with bounds as (
    select $start::timestamp as starts_at,
           ($end::date + interval 1 day)::timestamp as ends_before
),
in_view as (
    -- whether each journey is followed (cohort) and which of its steps count (period)
    select s.journey_id, s.step_key, s.step_order,
           case $view
               when 'period' then s.entered_at >= b.starts_at and s.entered_at < b.ends_before
               else j.start_at >= b.starts_at and j.start_at < b.ends_before
           end as is_counted
    from funnel_steps s
    join funnel_journeys j using (journey_id)
    cross join bounds b
),
moves as (
    -- the window runs only over journeys with something to count
    select step_key as from_key, is_counted,
           lead(step_key) over (partition by journey_id order by step_order) as to_key
    from in_view
    semi join (select distinct journey_id from in_view where is_counted) c using (journey_id)
),
final as (
    select from_key, to_key, count(*) as journey_count
    from moves
    where to_key is not null and is_counted
    group by all
)
select * from final
order by from_key, to_key
