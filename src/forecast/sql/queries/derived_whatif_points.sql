-- grain: one row per point the What-if page's opening view learns from: for each period type,
-- the past periods (the CALIBRATION + LOOKBACK = 8 newest that ended by the data date) with
-- the weekly snapshot at the same number of days into them as the data date is into its own
-- period (the latest snapshot at most 6 days before that day; forecast.whatif.learn,
-- points_among). later_end: the end of the period after it. Other as-of dates and periods
-- read the history directly; forecast.whatif.learn checks which points are here.
create or replace table derived_whatif_points as
with today as (
    select coalesce((select value::date from settings where key = 'data_as_of'),
                    (select max(snapshot_date) from snapshots),
                    current_date) as day
),
periods as (
    select period_type, start_date as period_start, end_date as period_end,
           lead(end_date) over (partition by period_type order by start_date) as later_end
    from fiscal_periods
),
offsets as (
    select p.period_type, t.day, date_diff('day', p.period_start, t.day)::integer as offset_days
    from periods p, today t
    where t.day between p.period_start and p.period_end
),
past as (
    select p.period_start, p.period_end, p.later_end,
           p.period_start + o.offset_days as point_date,
           row_number() over (partition by p.period_type order by p.period_start desc) as back
    from periods p
    join offsets o using (period_type)
    where p.period_end <= o.day and p.later_end is not null
),
final as (
    select (select max(s.snapshot_date) from snapshots s
            where s.snapshot_date <= past.point_date) as snapshot_date,
           period_start, period_end, later_end, point_date
    from past
    where back <= 8
)
select distinct snapshot_date, period_start, period_end, later_end
from final
where snapshot_date >= point_date - 6  -- SNAPSHOT_SLACK_DAYS
order by snapshot_date, period_start, period_end
