-- grain: one row per journey behind a funnel number (at most $limit rows, latest first):
--   the journeys the view counts at step or exit $step_key (period: entered it inside
--   [$start, $end]; cohort: started inside it); with $from_key set instead, the journeys
--   counted at $from_key that had not reached $step_key by the as-of date (a leak).
--   $strict_only keeps the strict journeys; $split_value and $deal_type filter when not null.
with bounds as (
    select $start::timestamp as starts_at,
           ($end::date + interval 1 day)::timestamp as ends_before
),
anchor as (
    select s.journey_id, s.entered_at, s.is_strict
    from funnel_steps s
    join funnel_journeys j using (journey_id)
    cross join bounds b
    where s.step_key = coalesce($from_key, $step_key)
      and case $view
              when 'period' then s.entered_at >= b.starts_at and s.entered_at < b.ends_before
              else j.start_at >= b.starts_at and j.start_at < b.ends_before
          end
),
kept as (
    select a.*
    from anchor a
    where ($strict_only = false or a.is_strict)
      and ($from_key is null or not exists (
          select 1 from funnel_steps s
          where s.journey_id = a.journey_id and s.step_key = $step_key))
),
final as (
    select j.journey_id, j.journey_kind, j.lead_id, j.opportunity_id, j.owner_name,
           j.member_name as team, j.source, j.segment, j.deal_type, j.start_at,
           k.entered_at,
           coalesce(x.step_key, 'won') as outcome,
           j.value_usd, j.amount_usd
    from kept k
    join funnel_journeys j using (journey_id)
    left join funnel_steps x on x.journey_id = j.journey_id and x.step_kind = 'exit'
    where ($split_value is null or j.split_value = $split_value)
      and ($deal_type is null or j.deal_type = $deal_type)
)
select * from final
order by entered_at desc nulls last, journey_id
limit $limit
