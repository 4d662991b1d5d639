-- grain: one row: what the whole store holds for the funnel, to say what is missing.
create or replace table derived_funnel_coverage as
select (select count(*) from leads) as lead_count,
       (select count(mql_at) from leads) as mql_count,
       (select count(srl_at) from leads) as srl_count,
       (select count(sql_at) from leads) as sql_count,
       (select count(*) from leads
        where first_response_at is not null or first_response_minutes is not null)
           as response_count,
       (select count(demo_booked_at) from leads) as demo_count,
       (select count(*) from opportunities) as opportunity_count,
       (select count(*) from opportunities where is_won) as won_count,
       (select count(*) from stage_events) as stage_event_count
