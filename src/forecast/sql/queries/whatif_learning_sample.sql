-- grain: one row per point (a weekly snapshot at the same point of a past period: parallel
-- lists $snapshot_dates, $period_starts, $period_ends, $later_ends = the end of the period
-- after it) and deal open in that snapshot with a close date in that period or the next one
-- (is_later), not Omitted; company-wide. What happened to it by the period's end comes from
-- the deal's final state: closed (won or lost) with a close date on or before the end, and
-- won. A deal missing from the final state counts as not closed.
with points as (
    select unnest($snapshot_dates::date[]) as snapshot_date,
           unnest($period_starts::date[]) as period_start,
           unnest($period_ends::date[]) as period_end,
           unnest($later_ends::date[]) as later_end
),
open_then as (
    select p.snapshot_date, p.period_start, p.period_end, s.opportunity_id, s.stage_name,
           s.amount, s.close_date > p.period_end as is_later
    from points p
    join opportunity_snapshots s on s.snapshot_date = p.snapshot_date
    left join stages st on st.stage_name = s.stage_name
    where not s.is_closed
      and s.close_date between p.period_start and p.later_end
      and deal_category(s.is_won, s.is_closed, s.forecast_category, st.forecast_category)
          <> 'Omitted'
),
final as (
    select t.snapshot_date, t.period_start, t.opportunity_id, t.is_later, t.stage_name,
           t.amount,
           coalesce(o.deal_type, 'unknown') as deal_type,
           coalesce(o.segment, 'unknown') as segment,
           coalesce(len(list_filter($age_edges::integer[],
                                    lambda e: e <= date_diff('day', o.created_date,
                                                             t.snapshot_date))),
                    -1) as age_bucket,
           coalesce(o.is_closed and o.close_date <= t.period_end, false) as is_closed_in_period,
           coalesce(o.is_won and o.close_date <= t.period_end, false) as is_won_in_period
    from open_then t
    left join opportunities o using (opportunity_id)
)
select * from final order by snapshot_date desc, opportunity_id
