-- grain: one row per window ($window_ids): the four V's of the qualified pipeline of
-- the team ($root_id's, from derived_funnel_teams)
-- and its sales velocity. Each window is given as its
-- whole months ($month_ids[i] covers $months[i], from derived_funnel_vs_months) and its other
-- days ($day_ids[i] covers $days[i], from derived_funnel_journeys); see
-- forecast.funnel.window_parts.
--   Volume: opportunities created in the window (every opportunity is treated as qualified
--   pipeline); Value: their amount. Won / lost: deals closed in the window. Cycle days: from
--   the opportunity's creation to its win, over the deals won in the window with both dates.
--   Sales velocity ($/day) = volume x average won deal size x win rate / average cycle days.
with windows as (
    select unnest($window_ids) as window_id
),
day_parts as (
    select unnest($day_ids::varchar[]) as window_id, unnest($days::date[]) as day
),
deals as (
    select j.owner_id, j.opp_at, j.won_at, j.lost_at, j.amount_usd
    from derived_funnel_journeys j
    where j.opportunity_id is not null and exists (select 1 from day_parts)
),
day_events as (
    select 'created' as kind, opp_at as event_at, owner_id, amount_usd,
           null::double as cycle_days
    from deals where opp_at is not null
    union all
    select 'won', won_at, owner_id, amount_usd, date_diff('second', opp_at, won_at) / 86400.0
    from deals where won_at is not null
    union all
    select 'lost', lost_at, owner_id, amount_usd, null
    from deals where lost_at is not null
),
counted as (
    select w.window_id, v.owner_id, v.kind, v.deal_count, v.amount_usd, v.cycle_days_sum,
           v.cycle_count
    from derived_funnel_vs_months v
    join (select unnest($month_ids::varchar[]) as window_id, unnest($months::date[]) as month) w
        using (month)
    union all
    select w.window_id, e.owner_id, e.kind, 1, e.amount_usd, e.cycle_days,
           (e.cycle_days is not null)::integer
    from day_events e
    join day_parts w on w.day = e.event_at::date
),
sums as (
    select c.window_id,
           sum(c.deal_count) filter (where c.kind = 'created') as volume,
           sum(c.amount_usd) filter (where c.kind = 'created') as value_usd,
           sum(c.deal_count) filter (where c.kind = 'won') as won_count,
           sum(c.amount_usd) filter (where c.kind = 'won') as won_usd,
           sum(c.deal_count) filter (where c.kind = 'lost') as lost_count,
           sum(c.cycle_days_sum) filter (where c.kind = 'won')
               / nullif(sum(c.cycle_count) filter (where c.kind = 'won'), 0) as cycle_days
    from counted c
    join funnel_team($root_id) using (owner_id)
    group by c.window_id
),
per_window as (
    select w.window_id,
           coalesce(s.volume, 0)::bigint as volume,
           coalesce(s.value_usd, 0) as value_usd,
           coalesce(s.won_count, 0)::bigint as won_count,
           coalesce(s.won_usd, 0) as won_usd,
           coalesce(s.lost_count, 0)::bigint as lost_count,
           s.cycle_days
    from windows w
    left join sums s using (window_id)
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
