-- grain: one row per journey as of the as-of date (derived_funnel_params), every owner's (or,
-- when the params name a root_id, that team's only): the first build step of the funnel's
-- derived tables; derived_funnel_journeys adds what the steps say to it. A journey is a lead,
-- followed into its opportunity once it has one, or an opportunity that no lead points to (a
-- "direct" deal). Only what had happened by the end of the as-of date counts: every later
-- timestamp is ignored. The owner of a lead journey is the lead's owner (who was handed the
-- lead); of a direct deal the deal's owner. value_usd = the deal amount once the journey has
-- an opportunity, else the average won deal size of its deal type (company-wide, deals won by
-- the as-of date; the overall average when the type is unknown or has no won deal). A lead's
-- own facts (MQL, SRL, SQL times, first response, demo) are carried along, cut at the as-of
-- date; the response time is first_response_minutes, else the minutes from MQL to
-- first_response_at. The team and split columns are the reader's (funnel_* queries).
-- journey_no numbers the journeys in start order: derived_funnel_journeys keeps that order and
-- derived_funnel_steps carries it, so a list of journeys is fetched from a few row groups.
create or replace table derived_funnel_journey_base as
with params as (
    select (as_of_date + interval 1 day)::timestamp as cut_at, as_of_date, root_id
    from derived_funnel_params
),
won_deals as (
    select o.deal_type, o.amount
    from opportunities o, params p
    where o.is_won and o.close_date::timestamp < p.cut_at
),
won_size_by_type as (
    select deal_type, avg(amount) as avg_won_usd from won_deals
    where deal_type is not null group by deal_type
),
won_size_overall as (
    select avg(amount) as avg_won_usd from won_deals
),
first_event as (
    select e.opportunity_id, min(e.entered_at) as first_event_at
    from stage_events e, params p
    where e.entered_at < p.cut_at
    group by e.opportunity_id
),
closing_event as (
    -- first entry into a closed stage: the won or lost time when history has it
    select e.opportunity_id,
           min(e.entered_at) filter (where st.is_won) as won_event_at,
           min(e.entered_at) filter (where not st.is_won) as lost_event_at
    from stage_events e
    join stages st on st.stage_name = e.stage_name and st.is_closed
    group by e.opportunity_id
),
deal_facts as (
    select o.opportunity_id, o.owner_id, o.amount, o.deal_type, o.lead_source, o.segment,
           fe.first_event_at,
           if(o.is_won, coalesce(ce.won_event_at, o.close_date::timestamp), null) as won_at,
           if(o.is_closed and not o.is_won,
              coalesce(ce.lost_event_at, o.close_date::timestamp), null) as lost_at,
           o.created_date::timestamp as created_at
    from opportunities o
    left join first_event fe using (opportunity_id)
    left join closing_event ce using (opportunity_id)
),
lead_journeys as (
    select l.lead_id as journey_id, 'lead' as journey_kind, l.lead_id, l.owner_id,
           l.created_at as start_at, l.disqualified_at,
           coalesce(l.source, d.lead_source) as source,
           coalesce(d.segment, l.segment) as segment,
           coalesce(d.deal_type, l.deal_type) as deal_type,
           d.opportunity_id,
           coalesce(l.converted_at, d.created_at, d.first_event_at) as opp_at,
           d.amount, d.won_at, d.lost_at,
           l.lead_name, l.company, l.mql_at, l.srl_at, l.sql_at,
           coalesce(l.first_response_at,
                    l.mql_at + to_milliseconds((l.first_response_minutes * 60000)::bigint))
               as response_at,
           coalesce(l.first_response_minutes,
                    date_diff('second', l.mql_at, l.first_response_at) / 60.0)
               as response_minutes,
           l.demo_booked_at, l.demo_no_show, l.touches
    from leads l
    cross join params p
    left join deal_facts d on d.opportunity_id = l.opportunity_id
    where l.created_at < p.cut_at
),
direct_journeys as (
    select d.opportunity_id as journey_id, 'deal' as journey_kind, null as lead_id, d.owner_id,
           coalesce(d.created_at, d.first_event_at, d.won_at, d.lost_at) as start_at,
           null::timestamp as disqualified_at,
           d.lead_source as source, d.segment, d.deal_type, d.opportunity_id,
           coalesce(d.created_at, d.first_event_at) as opp_at,
           d.amount, d.won_at, d.lost_at,
           null, null, null::timestamp, null::timestamp, null::timestamp, null::timestamp,
           null::double, null::timestamp, null::boolean, null::integer
    from deal_facts d
    cross join params p
    where not exists (select 1 from leads l where l.opportunity_id = d.opportunity_id)
      and (coalesce(d.created_at, d.first_event_at, d.won_at, d.lost_at) < p.cut_at
           or coalesce(d.created_at, d.first_event_at, d.won_at, d.lost_at) is null)
),
unioned as (
    select * from lead_journeys
    union all
    select * from direct_journeys
),
in_team as (
    select u.*,
           -- an opportunity counts once it existed by the as-of date (undated: it exists)
           u.opportunity_id is not null and (u.opp_at is null or u.opp_at < p.cut_at)
               as has_opportunity
    from unioned u
    cross join params p
    where p.root_id is null
       or u.owner_id in (select t.person_id from team_members(p.root_id, p.as_of_date) t)
),
named as (
    select i.journey_id, i.journey_kind, i.lead_id,
           if(i.has_opportunity, i.opportunity_id, null) as opportunity_id,
           i.owner_id,
           coalesce(owner.name, i.owner_id) as owner_name,
           coalesce(nullif(trim(i.source), ''), '(none)') as source,
           coalesce(nullif(trim(i.segment), ''), '(none)') as segment,
           coalesce(nullif(trim(i.deal_type), ''), '(none)') as deal_type,
           i.start_at,
           if(i.has_opportunity, i.opp_at, null) as opp_at,
           if(i.has_opportunity, i.amount, null) as amount_usd,
           if(i.has_opportunity, i.amount,
              coalesce(bt.avg_won_usd, wo.avg_won_usd)) as value_usd,
           if(i.has_opportunity and i.won_at < p.cut_at, i.won_at, null) as won_at,
           if(i.has_opportunity and i.lost_at < p.cut_at, i.lost_at, null) as lost_at,
           if(not i.has_opportunity and i.disqualified_at < p.cut_at, i.disqualified_at, null)
               as disqualified_at,
           -- the lead's own facts, cut at the as-of date (touches has no date: latest count)
           i.lead_name, i.company,
           if(i.mql_at < p.cut_at, i.mql_at, null) as mql_at,
           if(i.srl_at < p.cut_at, i.srl_at, null) as srl_at,
           if(i.sql_at < p.cut_at, i.sql_at, null) as sql_at,
           if(i.response_at < p.cut_at, i.response_at, null) as response_at,
           if(i.response_at < p.cut_at, i.response_minutes, null) as response_minutes,
           if(i.demo_booked_at < p.cut_at, i.demo_booked_at, null) as demo_booked_at,
           if(i.demo_booked_at < p.cut_at, i.demo_no_show, null) as demo_no_show,
           i.touches
    from in_team i
    cross join params p
    cross join won_size_overall wo
    left join won_size_by_type bt on bt.deal_type = i.deal_type
    left join people owner on owner.person_id = i.owner_id
)
select row_number() over (order by start_at, journey_id) as journey_no, *
from named
