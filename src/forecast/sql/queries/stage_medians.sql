-- grain: one row per stage: the median days deals spent in it, from stage entries on or before
-- $as_of (a stay ends when the deal enters its next stage; open stays are left out).
with stays as (
    select stage_name, entered_at,
           lead(entered_at) over (partition by opportunity_id order by entered_at)
               as next_entered_at
    from stage_events
    where entered_at::date <= $as_of
)
select stage_name, median(date_diff('day', entered_at, next_entered_at)) as median_days
from stays
where next_entered_at is not null
group by stage_name
