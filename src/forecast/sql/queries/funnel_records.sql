-- grain: one row per journey of the team ($root_id's, from
-- derived_funnel_teams) behind a funnel number (at
-- most $limit rows, latest first):
--   the journeys the view counts at step or exit $step_key (period: entered it inside
--   [$start, $end]; cohort: started inside it); with $from_key set instead, the journeys
--   counted at $from_key that had not reached $step_key by the as-of date (a leak).
--   $strict_only keeps the strict journeys; $split_value (of $dimension) and $deal_type
--   filter when not null.
with in_view as (
    -- one branch per view, each a plain range on one column, which the scan checks against
    -- each row group's bounds
    select * from derived_funnel_steps
    where $view = 'period' and step_key = coalesce($from_key, $step_key)
      and entered_at >= $start::timestamp
      and entered_at < ($end::date + interval 1 day)::timestamp
    union all
    select * from derived_funnel_steps
    where $view <> 'period' and step_key = coalesce($from_key, $step_key)
      and start_at >= $start::timestamp
      and start_at < ($end::date + interval 1 day)::timestamp
),
anchor as (
    select s.journey_id, s.journey_no, s.entered_at,
           funnel_split($dimension, if($dimension = 'source', s.source, s.segment),
                        s.deal_type, m.member_name, m.owner_name) as split_value,
           m.member_name
    from in_view s
    join funnel_team($root_id) m using (owner_id)
    where ($strict_only = false or s.is_strict)
      and ($deal_type is null or s.deal_type = $deal_type)
),
kept as (
    -- the latest $limit, before the journeys' own columns are looked up (by journey_no: the
    -- journeys are in that order, so only a few row groups are read)
    select a.*
    from anchor a
    where ($split_value is null or a.split_value = $split_value)
      and a.journey_id not in (
          select journey_id from derived_funnel_steps
          where $from_key is not null and step_key = $step_key)
    order by a.entered_at desc nulls last, a.journey_id
    limit $limit
),
final as (
    select j.journey_id, j.journey_kind, j.lead_id, j.opportunity_id, j.owner_name,
           k.member_name as team, j.source, j.segment, j.deal_type, j.start_at,
           k.entered_at,
           coalesce(j.exit_key, 'won') as outcome,
           j.value_usd, j.amount_usd
    from kept k
    join derived_funnel_journeys j using (journey_no)
)
select * from final
order by entered_at desc nulls last, journey_id
