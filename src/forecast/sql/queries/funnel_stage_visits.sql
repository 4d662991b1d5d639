-- grain: one row per open stage that deals of the team ($root_id's, from
-- derived_funnel_teams) spent time
-- in by the as-of date (derived_funnel_stage_visits: completed visits and the running one).
-- Time spent (deals_timed, p25/median/p75/mean_days): deals of the view (period: first
-- entered the stage inside [$start, $end]; cohort: the journey started inside it) with at
-- least one completed visit. Where deals sit now (open_now, median_open_days, stalled_*):
-- every still-open deal of the team whose running visit is in the stage, whatever the
-- window; stalled = the running visit is older than $stall_days days.
with counted as (
    -- the visits of the view: one branch per view, each a plain range on one column, so the
    -- scan skips what is outside the window (the visits are in first-entry order)
    select * from derived_funnel_stage_visits
    where $view = 'period' and first_entered_at >= $start::timestamp
      and first_entered_at < ($end::date + interval 1 day)::timestamp
    union all
    select * from derived_funnel_stage_visits
    where $view <> 'period' and start_at >= $start::timestamp
      and start_at < ($end::date + interval 1 day)::timestamp
),
kept as (
    -- the deals this query can count: those of the view, and those still open
    select *, true as is_counted from counted
    union all
    select *, false from derived_funnel_stage_visits
    where is_open_now
      and not coalesce($view = 'period' and first_entered_at >= $start::timestamp
                       and first_entered_at < ($end::date + interval 1 day)::timestamp, false)
      and not coalesce($view <> 'period' and start_at >= $start::timestamp
                       and start_at < ($end::date + interval 1 day)::timestamp, false)
),
visits as (
    select * from kept
    where owner_id in (select owner_id from funnel_team($root_id))
),
per_stage as (
    -- the three quartiles from one sort of each stage's times, not three
    select any_value(stage_name) as stage_name, step_order,
           count(*) filter (where is_counted and days_in_stage is not null) as deals_timed,
           quantile_cont(days_in_stage, [0.25, 0.5, 0.75]) filter (where is_counted)
               as quartiles,
           avg(days_in_stage) filter (where is_counted) as mean_days,
           count(*) filter (where is_counted and visit_count > 1) as deals_returned,
           count(open_visit_days) as open_now,
           median(open_visit_days) as median_open_days,
           count(*) filter (where open_visit_days > $stall_days) as stalled_count,
           coalesce(sum(amount_usd) filter (where open_visit_days > $stall_days), 0)
               as stalled_usd
    from visits
    group by step_order
),
final as (
    select stage_name, step_order, deals_timed, quartiles[1] as p25_days,
           quartiles[2] as median_days, quartiles[3] as p75_days,
           * exclude (stage_name, step_order, deals_timed, quartiles)
    from per_stage
)
select * from final
order by step_order
