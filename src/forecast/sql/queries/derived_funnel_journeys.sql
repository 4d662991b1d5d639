-- grain: one row per journey (derived_funnel_journey_base, dropped once this is built), with
-- what its steps say: steps_mask (bit_or of the catalog's any_bit over the steps it reached
-- by the as-of date) and its exit (exit_key, exit_at; null when it was won or reached no
-- step). Rows are in start order (journey_no), so a window on the start or the MQL time, or
-- a list of journey_no, reads a few row groups.
create or replace table derived_funnel_journeys as
with masks as (
    select s.journey_id, bit_or(c.any_bit) as steps_mask
    from derived_funnel_steps s
    join derived_funnel_catalog c using (step_key)
    where s.step_kind = 'step'
    group by s.journey_id
),
exits as (
    select journey_id, step_key as exit_key, entered_at as exit_at
    from derived_funnel_steps
    where step_kind = 'exit'
),
final as (
    select b.*, coalesce(m.steps_mask, 0::ubigint) as steps_mask, x.exit_key, x.exit_at
    from derived_funnel_journey_base b
    left join masks m using (journey_id)
    left join exits x using (journey_id)
)
select * from final
order by journey_no;

drop table derived_funnel_journey_base;
