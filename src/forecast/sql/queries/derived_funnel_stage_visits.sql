-- grain: one row per deal (journey with an opportunity) and open stage it spent time in by
-- the as-of date. A visit runs from entering the stage (stage_events) to the deal's next
-- stage event, or to its won/lost time; a deal that goes back to a stage visits it again, and
-- days_in_stage is the total of its completed visits. The visit still running at the as-of
-- date is not completed: open_visit_days is its age at the end of the as-of date (null when
-- the deal's running visit is elsewhere or it is closed). first_entered_at: its first entry;
-- exit_key: the journey's (derived_funnel_journeys); is_open_now: the running visit of a deal
-- still open. Rows are those first, then in first-entry order, so that both are ranges to
-- the reader (funnel_stage_visits.sql).
create or replace table derived_funnel_stage_visits as
with params as (
    select (as_of_date + interval 1 day)::timestamp as cut_at from derived_funnel_params
),
deals as (
    select journey_id, opportunity_id, owner_id, start_at, amount_usd, exit_key,
           coalesce(won_at, lost_at) as closed_at
    from derived_funnel_journeys
    where opportunity_id is not null
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
    select v.*, c.step_order
    from visits v
    join stages st on st.stage_name = v.stage_name and not st.is_closed
    join derived_funnel_catalog c on c.step_key = 'stage:' || v.stage_name
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
    select p.*, d.owner_id, d.start_at, d.amount_usd, d.exit_key,
           p.open_visit_days is not null and coalesce(d.exit_key in ('open', 'stalled'), false)
               as is_open_now
    from per_deal p
    join deals d using (journey_id)
)
select * from final
order by is_open_now desc, first_entered_at
