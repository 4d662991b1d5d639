-- grain: one row per stage, day a stay in it ended and length of the stay in days: how many
-- such stays there were. A stay runs from a deal's entry into a stage to its next stage entry
-- (stage_events; entries at the same moment are ordered by stage name); a stay still running
-- is not here. Stays that ended on or before a date D are exactly the stays the stage history
-- up to D shows, so the usual time in stage as of any date is read from this table.
create or replace table derived_stage_stays as
with stays as (
    select stage_name, entered_at,
           lead(entered_at) over (
               partition by opportunity_id order by entered_at, stage_name) as next_entered_at
    from stage_events
),
final as (
    select stage_name, next_entered_at::date as ended_on,
           date_diff('day', entered_at, next_entered_at) as days, count(*) as stays
    from stays
    where next_entered_at is not null
    group by all
)
select * from final
order by stage_name, ended_on, days
