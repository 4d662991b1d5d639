-- grain: one row per journey (funnel_journeys) and funnel step it reached by the as-of date,
-- at its first entry, plus one row per journey for where it ended up (an exit). A temp table.
--   steps (step_kind 'step'): 'mql', 'srl', 'sql' (the lead's timestamps), 'opportunity'
--   (the lead's converted time, else the deal's created date, else its first stage event),
--   'stage:<name>' for each open stage (first entry from stage_events; the deal's current
--   stage also counts when history lacks it, dated by stage_entered_date if known), 'won'.
--   exits (step_kind 'exit'): 'disqualified' (lead disqualified without an opportunity),
--   'lost', 'stalled' (still open, nothing entered for more than $stall_days days: dated
--   when it became stalled), 'open' (still open: dated by its last step).
-- entered_at is null when the data says the step was reached but not when ("undated").
-- is_required: the step is part of the strict chain. A step is left out of it when no
-- journey that reached it went on to a later step (the data records who sits in it, not who
-- passed through it, e.g. a current stage without stage history); the first and last steps
-- always count. is_strict: the journey reached every required step before this one, where
-- the required stages before a deal's first recorded stage count as reached (a deal may
-- enter the pipeline at any stage; skipping a stage after entering is a skip).
create or replace temp table funnel_steps as
with params as (
    select ($as_of_date::date + interval 1 day)::timestamp as cut_at
),
open_stages as (
    select stage_name, 10 + dense_rank() over (order by stage_order, stage_name) as step_order
    from stages
    where not is_closed
),
stage_history as (
    select j.journey_id, 'stage:' || e.stage_name as step_key, os.step_order,
           min(e.entered_at) as entered_at
    from funnel_journeys j
    join stage_events e on e.opportunity_id = j.opportunity_id
    join open_stages os on os.stage_name = e.stage_name
    cross join params p
    where e.entered_at < p.cut_at
    group by all
),
current_stage as (
    -- the deal's current stage, when its history does not already hold it
    select j.journey_id, 'stage:' || o.stage_name as step_key, os.step_order,
           o.stage_entered_date::timestamp as entered_at
    from funnel_journeys j
    join opportunities o on o.opportunity_id = j.opportunity_id
    join open_stages os on os.stage_name = o.stage_name
    cross join params p
    where coalesce(o.stage_entered_date::timestamp < p.cut_at, true)
      and not exists (
          select 1 from stage_history h
          where h.journey_id = j.journey_id and h.step_key = 'stage:' || o.stage_name)
),
reached as (
    select j.journey_id, 'mql' as step_key, 1 as step_order, l.mql_at as entered_at
    from funnel_journeys j join leads l using (lead_id) cross join params p
    where l.mql_at < p.cut_at
    union all
    select j.journey_id, 'srl', 2, l.srl_at
    from funnel_journeys j join leads l using (lead_id) cross join params p
    where l.srl_at < p.cut_at
    union all
    select j.journey_id, 'sql', 3, l.sql_at
    from funnel_journeys j join leads l using (lead_id) cross join params p
    where l.sql_at < p.cut_at
    union all
    select journey_id, 'opportunity', 4, opp_at
    from funnel_journeys where opportunity_id is not null
    union all
    select * from stage_history
    union all
    select * from current_stage
    union all
    select journey_id, 'won', 1000, won_at from funnel_journeys where won_at is not null
),
last_activity as (
    -- the latest dated step, or stage change (a deal going back a stage counts), per journey
    select journey_id, max(activity_at) as last_at
    from (
        select journey_id, entered_at as activity_at from reached
        union all
        select j.journey_id, e.entered_at
        from funnel_journeys j
        join stage_events e on e.opportunity_id = j.opportunity_id
        cross join params p
        where e.entered_at < p.cut_at
    )
    group by journey_id
),
exits as (
    select j.journey_id,
           case when j.won_at is not null then null
                when j.lost_at is not null then 'lost'
                when j.disqualified_at is not null then 'disqualified'
                when a.last_at < p.cut_at - to_days($stall_days::integer) then 'stalled'
                else 'open' end as step_key,
           case when j.lost_at is not null then j.lost_at
                when j.disqualified_at is not null then j.disqualified_at
                when a.last_at < p.cut_at - to_days($stall_days::integer)
                    then a.last_at + to_days($stall_days::integer)
                else a.last_at end as entered_at
    from funnel_journeys j
    cross join params p
    join last_activity a using (journey_id)  -- journeys that reached no step have no exit
),
catalog as (
    select step_key, step_order,
           bool_or(step_order < journey_last) as has_progressed
    from (
        select step_key, step_order,
               max(step_order) over (partition by journey_id) as journey_last
        from reached
    )
    group by all
),
required as (
    select step_key, step_order,
           has_progressed
               or step_order = min(step_order) over ()
               or step_order = max(step_order) over () as is_required
    from catalog
),
required_ranked as (
    select *,
           count(*) filter (where is_required) over (
               order by step_order rows between unbounded preceding and 1 preceding
           ) as required_before,
           count(*) filter (where is_required and step_order between 10 and 999) over (
               order by step_order rows between unbounded preceding and 1 preceding
           ) as required_stages_before
    from required
),
entry as (
    -- the first open stage the deal is recorded in: where it entered the pipeline
    select journey_id, min(step_order) filter (where step_order between 10 and 999)
               as first_stage_order
    from reached
    group by journey_id
),
flagged as (
    select r.journey_id, r.step_key, r.step_order, r.entered_at, q.is_required,
           coalesce(count(*) filter (where q.is_required) over (
               partition by r.journey_id order by r.step_order
               rows between unbounded preceding and 1 preceding), 0)
           -- required stages before the deal's entry stage count as passed
           + case when e.first_stage_order is null or r.step_order < e.first_stage_order
                  then q.required_stages_before
                  else qf.required_stages_before end
               = q.required_before as is_strict
    from reached r
    join required_ranked q using (step_key)
    join entry e using (journey_id)
    left join required_ranked qf on qf.step_order = e.first_stage_order
),
final as (
    select journey_id, 'step' as step_kind, step_key, step_order, entered_at, is_required,
           is_strict
    from flagged
    union all
    select journey_id, 'exit', step_key,
           2000 + list_position(['disqualified', 'lost', 'stalled', 'open'], step_key),
           entered_at, false, false
    from exits
    where step_key is not null
)
select * from final
