-- grain: one row per point (parallel lists $snapshot_dates, $period_starts, $period_ends,
-- $later_ends, as for whatif_learning_sample) and group of derived_whatif_history: the
-- learning sample of those points, counted (deals, closed, won) by stage, deal type,
-- segment, age bucket and amount.
with points as (
    select unnest($snapshot_dates::date[]) as snapshot_date,
           unnest($period_starts::date[]) as period_start,
           unnest($period_ends::date[]) as period_end,
           unnest($later_ends::date[]) as later_end  -- part of every point; unused here
),
final as (
    select h.snapshot_date, h.period_start, h.is_later, h.stage_name, h.deal_type, h.segment,
           h.age_bucket, h.amount, h.deals, h.closed, h.won
    from derived_whatif_history h
    join points p
      on p.snapshot_date = h.snapshot_date
     and p.period_start = h.period_start
     and p.period_end = h.period_end
)
select * from final
order by snapshot_date desc, period_start, stage_name, deal_type, segment, age_bucket, amount
