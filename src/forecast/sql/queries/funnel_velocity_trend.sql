-- grain: one row per window ($window_ids / $window_starts / $window_ends, inclusive dates):
-- the four V's of the qualified pipeline of the scope and its sales velocity.
--   Volume: opportunities created in the window (every opportunity is treated as qualified
--   pipeline); Value: their amount. Won / lost: deals closed in the window. Cycle days: from
--   the opportunity's creation to its win, over the deals won in the window with both dates.
--   Sales velocity ($/day) = volume x average won deal size x win rate / average cycle days.
with windows as (
    select unnest($window_ids) as window_id,
           unnest($window_starts)::timestamp as starts_at,
           (unnest($window_ends)::date + interval 1 day)::timestamp as ends_before
),
per_window as (
    select w.window_id,
           count(*) filter (where j.opp_at >= w.starts_at and j.opp_at < w.ends_before)
               as volume,
           coalesce(sum(j.amount_usd) filter (
               where j.opp_at >= w.starts_at and j.opp_at < w.ends_before), 0) as value_usd,
           count(*) filter (where j.won_at >= w.starts_at and j.won_at < w.ends_before)
               as won_count,
           coalesce(sum(j.amount_usd) filter (
               where j.won_at >= w.starts_at and j.won_at < w.ends_before), 0) as won_usd,
           count(*) filter (where j.lost_at >= w.starts_at and j.lost_at < w.ends_before)
               as lost_count,
           avg(date_diff('second', j.opp_at, j.won_at) / 86400.0) filter (
               where j.won_at >= w.starts_at and j.won_at < w.ends_before) as cycle_days
    from windows w
    left join funnel_journeys j on j.opportunity_id is not null
    group by w.window_id
),
final as (
    select window_id, volume, value_usd, won_count, won_usd, lost_count, cycle_days,
           won_usd / nullif(won_count, 0) as avg_won_usd,
           won_count / nullif(won_count + lost_count, 0) as win_rate,
           volume * (won_usd / nullif(won_count, 0))
               * (won_count / nullif(won_count + lost_count, 0))
               / nullif(cycle_days, 0) as sales_velocity_usd_per_day
    from per_window
)
select * from final
