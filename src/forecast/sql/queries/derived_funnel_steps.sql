-- grain: one row per journey (derived_funnel_journey_base) and funnel step it reached by the
-- as-of date, at its first entry, plus one row per journey for where it ended up (an exit).
--   steps (step_kind 'step'): 'mql', 'srl', 'sql' (the lead's timestamps), 'opportunity'
--   (the lead's converted time, else the deal's created date, else its first stage event),
--   'stage:<name>' for each open stage (first entry from stage_events; the deal's current
--   stage also counts when history lacks it, dated by stage_entered_date if known), 'won'.
--   exits (step_kind 'exit'): 'disqualified' (lead disqualified without an opportunity),
--   'lost', 'stalled' (still open, nothing entered for more than the params' stall_days:
--   dated when it became stalled), 'open' (still open: dated by its last step or stage change).
-- entered_at is null when the data says the step was reached but not when ("undated").
-- is_required comes from derived_funnel_catalog (built first, store-wide). is_strict: the
-- journey reached every required step before this one (checked with bit masks, not a window).
-- next_key: the journey's next step or exit (funnel order), for the flows. The journey's
-- owner, start, split columns and value are carried along so that the readers filter and
-- group without a join.
create or replace table derived_funnel_steps as
with params as (
    select (as_of_date + interval 1 day)::timestamp as cut_at, stall_days
    from derived_funnel_params
),
funnel_catalog as (
    select * from derived_funnel_catalog
),
funnel_journeys as (
    select * from derived_funnel_journey_base
),
stage_steps as (
    select step_key, step_order, substr(step_key, 7) as stage_name
    from funnel_catalog
    where is_stage
),
events as (
    -- per deal and open stage: first entry, and latest entry (a deal can come back)
    select j.journey_id, s.step_key, s.step_order,
           min(e.entered_at) as first_at, max(e.entered_at) as last_at
    from funnel_journeys j
    join stage_events e on e.opportunity_id = j.opportunity_id
    join stage_steps s on s.stage_name = e.stage_name
    cross join params p
    where e.entered_at < p.cut_at
    group by all
),
current_stage as (
    -- the deal's current stage, when its history does not already hold it
    select j.journey_id, s.step_key, s.step_order,
           o.stage_entered_date::timestamp as entered_at
    from funnel_journeys j
    join opportunities o on o.opportunity_id = j.opportunity_id
    join stage_steps s on s.stage_name = o.stage_name
    cross join params p
    where coalesce(o.stage_entered_date::timestamp < p.cut_at, true)
      and not exists (
          select 1 from events h
          where h.journey_id = j.journey_id and h.step_key = s.step_key)
),
reached as (
    select journey_id, 'mql' as step_key, 1 as step_order, mql_at as entered_at
    from funnel_journeys where mql_at is not null
    union all
    select journey_id, 'srl', 2, srl_at from funnel_journeys where srl_at is not null
    union all
    select journey_id, 'sql', 3, sql_at from funnel_journeys where sql_at is not null
    union all
    select journey_id, 'opportunity', 4, opp_at
    from funnel_journeys where opportunity_id is not null
    union all
    select journey_id, step_key, step_order, first_at from events
    union all
    select * from current_stage
    union all
    select journey_id, 'won', 1000, won_at from funnel_journeys where won_at is not null
),
stats as (
    -- per journey: the required steps it reached (bits) and its last step or stage change
    select r.journey_id,
           bit_or(c.bit) as reached_mask,
           greatest(max(r.entered_at), max(x.last_at)) as last_at
    from reached r
    join funnel_catalog c using (step_key)
    left join (select journey_id, max(last_at) as last_at from events group by journey_id) x
        using (journey_id)
    group by r.journey_id
),
flagged as (
    select r.journey_id, r.step_key, r.step_order, r.entered_at, q.is_required,
           st.reached_mask & q.prefix_mask = q.prefix_mask as is_strict
    from reached r
    join funnel_catalog q using (step_key)
    join stats st using (journey_id)
),
exits as (
    select j.journey_id,
           case when j.won_at is not null then null
                when j.lost_at is not null then 'lost'
                when j.disqualified_at is not null then 'disqualified'
                when st.last_at < p.cut_at - to_days(p.stall_days) then 'stalled'
                else 'open' end as step_key,
           case when j.lost_at is not null then j.lost_at
                when j.disqualified_at is not null then j.disqualified_at
                when st.last_at < p.cut_at - to_days(p.stall_days)
                    then st.last_at + to_days(p.stall_days)
                else st.last_at end as entered_at
    from funnel_journeys j
    cross join params p
    join stats st using (journey_id)  -- journeys that reached no step have no exit
),
unioned as (
    select journey_id, 'step' as step_kind, step_key, step_order, entered_at, is_required,
           is_strict
    from flagged
    union all
    select journey_id, 'exit', step_key,
           2000 + list_position(['disqualified', 'lost', 'stalled', 'open'], step_key),
           entered_at, false, false
    from exits
    where step_key is not null
),
final as (
    select u.*,
           lead(u.step_key) over (partition by u.journey_id order by u.step_order)
               as next_key,
           j.journey_no, j.owner_id, j.start_at, j.source, j.segment, j.deal_type, j.value_usd
    from unioned u
    join funnel_journeys j using (journey_id)
)
select * from final
