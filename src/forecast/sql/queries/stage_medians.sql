-- grain: one row per stage: the median days deals spent in it, over the stays that ended on
-- or before $as_of (a stay ends when the deal enters its next stage; open stays are left
-- out). Read from derived_stage_stays (forecast.aggregates): per stage, the stays of each
-- length; the median is the middle length, or the mean of the two middle ones.
with counted as (
    select stage_name, days, sum(stays) as stays
    from derived_stage_stays
    where ended_on <= $as_of
    group by all
),
ranked as (
    select stage_name, days,
           sum(stays) over (partition by stage_name order by days
                            rows between unbounded preceding and current row) as stays_upto,
           sum(stays) over (partition by stage_name) as stays_total
    from counted
),
final as (
    -- the 0-based middle positions: (n - 1) // 2 and n // 2 (the same when n is odd)
    select stage_name,
           (min(days) filter (where stays_upto > (stays_total - 1) // 2)
            + min(days) filter (where stays_upto > stays_total // 2)) / 2.0 as median_days
    from ranked
    group by stage_name
)
select * from final
