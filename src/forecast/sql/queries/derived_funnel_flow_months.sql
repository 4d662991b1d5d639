-- grain: one row per view, month, owner and move between steps (from_key -> to_key, a step or
-- an exit) of derived_funnel_steps: how many journeys moved along it. Each journey goes from
-- every step it reached to the next step it reached (skipping the ones it missed), and from
-- its last step to its exit (won journeys end at 'won').
--   view 'period': month = the month the journey entered the step it moved out of;
--   'cohort': month = the month the journey started.
create or replace table derived_funnel_flow_months as
with moves as (
    select step_key as from_key, next_key as to_key, entered_at, start_at, owner_id
    from derived_funnel_steps
    where next_key is not null
),
by_view as (
    select 'period' as view, date_trunc('month', entered_at)::date as month, * from moves
    union all
    select 'cohort', date_trunc('month', start_at)::date, * from moves
),
final as (
    select view, month, owner_id, from_key, to_key, count(*) as journey_count
    from by_view
    where month is not null
    group by all
)
select * from final
order by view, month
