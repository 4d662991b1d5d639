-- grain: one row per split value and response-time bucket (bucket_order 1 = within
-- $fast_minutes, 2 = within $target_minutes, 3 = within $max_minutes, 4 = later, 5 = not
-- answered), plus a total row per split value (bucket_order null) and a grand total (both
-- null), so that medians are right at every level: the leads that became MQLs in the
-- view (period: MQL inside [$start, $end]; cohort: lead created inside it) among the leads
-- of $root_id's team (as of $as_of_date, split by $dimension), how fast sales
-- first responded (minutes from the MQL time), whether the service level was met, and how
-- far they went. Boundaries are inclusive: a response after exactly $target_minutes is within
-- the target, after exactly $max_minutes within the maximum.
--   due_*: the lead was answered, or its deadline had passed by the as-of date (a lead whose
--   clock is still running is not yet a miss).
--   reached_next: reached $next_key (the next funnel step after MQL) by the as-of date.
with params as (
    select ($as_of_date::date + interval 1 day)::timestamp as cut_at
),
next_bits as (
    select coalesce(max(any_bit) filter (where step_key = $next_key), 0::ubigint) as next_bit,
           coalesce(max(any_bit) filter (where step_key = 'won'), 0::ubigint) as won_bit
    from derived_funnel_catalog
),
in_view as (
    -- one branch per view, each a plain range on one column, so the scan skips what is
    -- outside the window (derived_funnel_journeys is in start order; MQL follows closely)
    select * from derived_funnel_journeys
    where $view = 'period' and mql_at >= $start::timestamp
      and mql_at < ($end::date + interval 1 day)::timestamp
    union all
    select * from derived_funnel_journeys
    where $view <> 'period' and mql_at is not null and start_at >= $start::timestamp
      and start_at < ($end::date + interval 1 day)::timestamp
),
mqls as (
    select funnel_split($dimension, if($dimension = 'source', j.source, j.segment),
                        j.deal_type, m.member_name, m.owner_name) as split_value,
           j.steps_mask, j.mql_at, j.response_at,
           j.response_minutes as minutes,
           j.demo_booked_at is not null as has_demo,
           j.demo_booked_at is not null and coalesce(j.demo_no_show, false) as is_no_show
    from in_view j
    join funnel_team($root_id) m using (owner_id)
),
flagged as (
    select m.* exclude (steps_mask),
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
           m.steps_mask & b.next_bit <> 0 as reached_next,
           m.steps_mask & b.won_bit <> 0 as reached_won
    from mqls m
    cross join params p
    cross join next_bits b
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
