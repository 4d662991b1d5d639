-- grain: one row per split value and response-time bucket (bucket_order 1 = within
-- $fast_minutes, 2 = within $target_minutes, 3 = within $max_minutes, 4 = later, 5 = not
-- answered), plus a total row per split value (bucket_order null) and a grand total (both
-- null), so that medians are right at every level: the leads that became MQLs in the
-- view (period: MQL inside [$start, $end]; cohort: lead created inside it), how fast sales
-- first responded (minutes from the MQL time), whether the service level was met, and how
-- far they went. Boundaries are inclusive: a response after exactly $target_minutes is within
-- the target, after exactly $max_minutes within the maximum.
--   due_*: the lead was answered, or its deadline had passed by the as-of date (a lead whose
--   clock is still running is not yet a miss).
--   reached_next: reached $next_key (the next funnel step after MQL) by the as-of date.
with params as (
    select ($as_of_date::date + interval 1 day)::timestamp as cut_at,
           $start::timestamp as starts_at,
           ($end::date + interval 1 day)::timestamp as ends_before
),
mqls as (
    select j.journey_id, j.split_value, j.mql_at, j.response_at,
           j.response_minutes as minutes,
           j.demo_booked_at is not null as has_demo,
           j.demo_booked_at is not null and coalesce(j.demo_no_show, false) as is_no_show
    from funnel_journeys j
    cross join params p
    where j.mql_at is not null
      and case $view
              when 'period' then j.mql_at >= p.starts_at and j.mql_at < p.ends_before
              else j.start_at >= p.starts_at and j.start_at < p.ends_before
          end
),
flagged as (
    select m.*,
           coalesce(m.response_at < p.cut_at, false) as is_answered,
           coalesce(m.response_at < p.cut_at and m.minutes <= $fast_minutes, false) as is_fast,
           coalesce(m.response_at < p.cut_at and m.minutes <= $target_minutes, false)
               as is_within_target,
           coalesce(m.response_at < p.cut_at and m.minutes <= $max_minutes, false)
               as is_within_max,
           coalesce(m.response_at < p.cut_at, false)
               or m.mql_at + to_milliseconds(($fast_minutes * 60000)::bigint) < p.cut_at
               as is_due_fast,
           coalesce(m.response_at < p.cut_at, false)
               or m.mql_at + to_milliseconds(($target_minutes * 60000)::bigint) < p.cut_at
               as is_due_target,
           coalesce(m.response_at < p.cut_at, false)
               or m.mql_at + to_milliseconds(($max_minutes * 60000)::bigint) < p.cut_at
               as is_due_max,
           exists (select 1 from funnel_steps s
                   where s.journey_id = m.journey_id and s.step_key = $next_key) as reached_next,
           exists (select 1 from funnel_steps s
                   where s.journey_id = m.journey_id and s.step_key = 'won') as reached_won
    from mqls m
    cross join params p
),
bucketed as (
    select *,
           case when not is_answered then 5
                when minutes <= $fast_minutes then 1
                when minutes <= $target_minutes then 2
                when minutes <= $max_minutes then 3
                else 4 end as bucket_order
    from flagged
),
final as (
    select split_value, bucket_order,
           count(*) as lead_count,
           count(*) filter (where is_answered) as answered_count,
           count(*) filter (where is_fast) as fast_count,
           count(*) filter (where is_within_target) as within_target_count,
           count(*) filter (where is_within_max) as within_max_count,
           count(*) filter (where is_due_fast) as due_fast_count,
           count(*) filter (where is_due_target) as due_target_count,
           count(*) filter (where is_due_max) as due_max_count,
           count(*) filter (where reached_next) as reached_next_count,
           count(*) filter (where reached_won) as reached_won_count,
           count(*) filter (where has_demo) as demo_count,
           count(*) filter (where is_no_show) as no_show_count,
           median(minutes) filter (where is_answered) as median_minutes
    from bucketed
    group by grouping sets ((split_value, bucket_order), (split_value), ())
)
select * from final
order by split_value nulls first, bucket_order nulls first
