-- grain: one row per pair of funnel steps ($from_keys[i] -> $to_keys[i]): the days from the
-- first entry into the one to the first entry into the other, for journeys of $root_id's team
-- (as of $as_of_date) in the view that reached both with dates (period: entered the later
-- step inside [$start, $end]; cohort: the journey started inside it). The spans of the strict
-- chain are kept in derived_funnel_step_spans.
with wanted as (
    -- the pairs asked for that are transitions of the strict chain, by the later step
    select p.from_key, p.to_key, c.step_order as to_order
    from (select unnest($from_keys) as from_key, unnest($to_keys) as to_key) p
    join derived_funnel_catalog c
        on c.step_key = p.to_key and c.prev_key = p.from_key and c.is_required
),
in_view as (
    -- one branch per view, each a plain range on one column, so the scan skips what is
    -- outside the window (the spans are in the order of the later entry)
    select to_order, owner_id, days from derived_funnel_step_spans
    where $view = 'period' and to_entered_at >= $start::timestamp
      and to_entered_at < ($end::date + interval 1 day)::timestamp
    union all
    select to_order, owner_id, days from derived_funnel_step_spans
    where $view <> 'period' and start_at >= $start::timestamp
      and start_at < ($end::date + interval 1 day)::timestamp
),
per_step as (
    -- the three quartiles from one sort of each step's spans, not three
    select to_order, count(*) as journey_count,
           quantile_cont(days, [0.25, 0.5, 0.75]) as quartiles
    from in_view
    where to_order in (select to_order from wanted)
      and owner_id in (select owner_id from funnel_team($root_id))
    group by to_order
),
final as (
    select w.from_key, w.to_key, s.journey_count, s.quartiles[1] as p25_days,
           s.quartiles[2] as median_days, s.quartiles[3] as p75_days
    from per_step s
    join wanted w using (to_order)
)
select * from final
