-- grain: one row per pair of funnel steps ($from_keys[i] -> $to_keys[i]): the days from the
-- first entry into the one to the first entry into the other, for journeys of the view that
-- reached both with dates (period: entered the later step inside [$start, $end]; cohort: the
-- journey started inside it).
with pairs as (
    select unnest($from_keys) as from_key, unnest($to_keys) as to_key
),
bounds as (
    select $start::timestamp as starts_at,
           ($end::date + interval 1 day)::timestamp as ends_before
),
spans as (
    select p.from_key, p.to_key,
           date_diff('second', a.entered_at, b.entered_at) / 86400.0 as days
    from pairs p
    join funnel_steps a on a.step_key = p.from_key
    join funnel_steps b on b.step_key = p.to_key and b.journey_id = a.journey_id
    join funnel_journeys j on j.journey_id = a.journey_id
    cross join bounds w
    where a.entered_at is not null and b.entered_at is not null
      and case $view
              when 'period' then b.entered_at >= w.starts_at and b.entered_at < w.ends_before
              else j.start_at >= w.starts_at and j.start_at < w.ends_before
          end
),
final as (
    select from_key, to_key, count(*) as journey_count,
           quantile_cont(days, 0.25) as p25_days,
           quantile_cont(days, 0.5) as median_days,
           quantile_cont(days, 0.75) as p75_days
    from spans
    group by all
)
select * from final
