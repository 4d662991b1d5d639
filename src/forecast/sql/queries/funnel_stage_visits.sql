-- grain: one row per open stage that deals of the scope spent time in by the as-of date.
-- A visit runs from entering the stage (stage_events) to the deal's next stage event, or to
-- its won/lost time; a deal that goes back to a stage visits it again, and days_in_stage is
-- the total of its completed visits. The visit still running at the as-of date is not
-- completed: it counts in open_visit_days (and in where deals stall), not in the time spent.
-- Time spent (deals_timed, p25/median/p75/mean_days): deals of the view (period: first
-- entered the stage inside [$start, $end]; cohort: the journey started inside it) with at
-- least one completed visit. Where deals sit now (open_now, median_open_days, stalled_*):
-- every deal of the scope whose running visit is in the stage, whatever the window; stalled
-- = the running visit is older than $stall_days days.
with params as (
    select ($as_of_date::date + interval 1 day)::timestamp as cut_at,
           $start::timestamp as starts_at,
           ($end::date + interval 1 day)::timestamp as ends_before
),
wanted as (
    -- only the deals this query can count: those of the view, and those still open
    select s.journey_id
    from funnel_steps s
    join funnel_journeys j using (journey_id)
    cross join params p
    where s.step_kind = 'step' and s.step_order between 10 and 999
      and case $view
              when 'period' then s.entered_at >= p.starts_at and s.entered_at < p.ends_before
              else j.start_at >= p.starts_at and j.start_at < p.ends_before
          end
    union
    select journey_id from funnel_steps where step_key in ('open', 'stalled')
),
deals as (
    select j.journey_id, j.opportunity_id, coalesce(j.won_at, j.lost_at) as closed_at
    from funnel_journeys j
    semi join wanted w using (journey_id)
    where j.opportunity_id is not null
),
marks as (
    select d.journey_id, e.stage_name, e.entered_at
    from deals d
    join stage_events e using (opportunity_id)
    cross join params p
    where e.entered_at < p.cut_at
    union all
    select journey_id, null, closed_at
    from deals
    where closed_at is not null
),
visits as (
    select journey_id, stage_name, entered_at,
           lead(entered_at) over (partition by journey_id order by entered_at,
                                  stage_name nulls last) as left_at
    from marks
),
open_visits as (
    select v.*, s.step_order
    from visits v
    join stages st on st.stage_name = v.stage_name and not st.is_closed
    join (select distinct step_key, step_order from funnel_steps) s
        on s.step_key = 'stage:' || v.stage_name
),
per_deal as (
    select o.journey_id, o.stage_name, o.step_order,
           min(o.entered_at) as first_entered_at,
           count(*) as visit_count,
           sum(date_diff('second', o.entered_at, o.left_at) / 86400.0)
               filter (where o.left_at is not null) as days_in_stage,
           max(date_diff('second', o.entered_at, p.cut_at) / 86400.0)
               filter (where o.left_at is null) as open_visit_days
    from open_visits o
    cross join params p
    group by all
),
final as (
    select d.stage_name, d.step_order,
           count(*) filter (where c.is_counted and d.days_in_stage is not null) as deals_timed,
           quantile_cont(d.days_in_stage, 0.25) filter (where c.is_counted) as p25_days,
           quantile_cont(d.days_in_stage, 0.5) filter (where c.is_counted) as median_days,
           quantile_cont(d.days_in_stage, 0.75) filter (where c.is_counted) as p75_days,
           avg(d.days_in_stage) filter (where c.is_counted) as mean_days,
           count(*) filter (where c.is_counted and d.visit_count > 1) as deals_returned,
           count(d.open_visit_days) as open_now,
           median(d.open_visit_days) as median_open_days,
           count(*) filter (where d.open_visit_days > $stall_days) as stalled_count,
           coalesce(sum(j.amount_usd) filter (where d.open_visit_days > $stall_days), 0)
               as stalled_usd
    from per_deal d
    join funnel_journeys j using (journey_id)
    cross join params p
    cross join lateral (
        select case $view
                   when 'period' then d.first_entered_at >= p.starts_at
                                      and d.first_entered_at < p.ends_before
                   else j.start_at >= p.starts_at and j.start_at < p.ends_before
               end as is_counted
    ) c
    group by all
)
select * from final
order by step_order
