-- grain: one row per journey and transition of the strict chain (a required step and the
-- required step before it, derived_funnel_catalog.prev_key) that it made with both dates
-- known: days from the first entry into the one to the first entry into the other (to_order:
-- the later step's step_order, which names the transition). Rows are
-- in the order of the later entry, so a window on it reads a range
-- (funnel_step_velocity.sql).
create or replace table derived_funnel_step_spans as
with pairs as (
    select prev_key as from_key, step_key as to_key, step_order as to_order
    from derived_funnel_catalog
    where is_required and prev_key is not null
),
final as (
    select p.from_key, p.to_key, p.to_order, b.journey_id, b.owner_id, b.start_at,
           b.entered_at as to_entered_at,
           date_diff('second', a.entered_at, b.entered_at) / 86400.0 as days
    from pairs p
    join derived_funnel_steps b on b.step_key = p.to_key
    join derived_funnel_steps a on a.step_key = p.from_key and a.journey_id = b.journey_id
    where a.entered_at is not null and b.entered_at is not null
)
select * from final
order by to_entered_at
