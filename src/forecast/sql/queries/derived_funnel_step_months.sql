-- grain: one row per split grain, view, month, owner, split value, deal type and step or exit
-- of derived_funnel_steps: the sums every count of the Funnel page adds up, so that a team, a
-- window and a split read thousands of rows, not millions.
--   dim 'none': no split value (dim_value null), for no split and the splits by team, rep
--   or deal type; 'source' / 'segment': dim_value is the journey's source / segment.
--   view 'period': month = the month the journey entered the step (an exit: left); null when
--   the data has no date for it. 'cohort': month = the month the journey started.
--   entrants_*: journeys (strict: those that passed every earlier required step), value_*:
--   their value. resolved_* / won_*_usd: how many of them are won, lost or disqualified by
--   the as-of date and the amount won (see derived_funnel_step_totals).
-- A window that starts on the first of a month and ends on the last day of a month or on the
-- as-of date is a sum of whole months here; any other window adds its edge days from
-- derived_funnel_steps itself (funnel_step_counts.sql).
create or replace table derived_funnel_step_months as
with outcomes as (
    select journey_id, won_at is not null as is_won,
           won_at is not null or lost_at is not null or disqualified_at is not null
               as is_resolved,
           coalesce(amount_usd, 0) as amount_usd
    from derived_funnel_journeys
),
steps as (
    select s.step_key, s.entered_at, s.start_at, s.is_strict, s.owner_id, s.source, s.segment,
           s.deal_type, s.value_usd, o.is_won, o.is_resolved, o.amount_usd
    from derived_funnel_steps s
    join outcomes o using (journey_id)
),
by_view as (
    select 'period' as view, date_trunc('month', entered_at)::date as month, * from steps
    union all
    select 'cohort', date_trunc('month', start_at)::date, * from steps
),
final as (
    select case grouping(source, segment) when 1 then 'source' when 2 then 'segment'
                else 'none' end as dim,
           coalesce(source, segment) as dim_value,
           view, month, owner_id, deal_type, step_key,
           count(*) as entrants_any,
           count(*) filter (where is_strict) as entrants_strict,
           sum(value_usd) as value_any_usd,
           sum(value_usd) filter (where is_strict) as value_strict_usd,
           count(*) filter (where is_resolved) as resolved_any,
           count(*) filter (where is_resolved and is_strict) as resolved_strict,
           sum(amount_usd) filter (where is_won) as won_any_usd,
           sum(amount_usd) filter (where is_won and is_strict) as won_strict_usd
    from by_view
    group by grouping sets ((view, month, owner_id, deal_type, step_key),
                            (view, month, owner_id, source, deal_type, step_key),
                            (view, month, owner_id, segment, deal_type, step_key))
)
select * from final
order by dim, view, month
