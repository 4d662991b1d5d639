-- grain: one row per point of derived_whatif_points, and group of the deals open at its
-- snapshot closing in its period or the next (is_later), not Omitted, company-wide: stage,
-- deal type, segment, age bucket and amount; how many deals, how many closed and how many
-- were won by the period's end (final state). The same rows as whatif_learning_sample,
-- counted: the age edges are forecast.whatif.learn.AGE_EDGES_DAYS (a test keeps them equal).
-- The amount stays in the grain, so the size thirds of any set of points are exact.
create or replace table derived_whatif_history as
with open_then as (
    select p.snapshot_date, p.period_start, p.period_end, s.opportunity_id, s.stage_name,
           s.amount, s.close_date > p.period_end as is_later
    from derived_whatif_points p
    join opportunity_snapshots s on s.snapshot_date = p.snapshot_date
    left join stages st on st.stage_name = s.stage_name
    where not s.is_closed
      and s.close_date between p.period_start and p.later_end
      and deal_category(s.is_won, s.is_closed, s.forecast_category, st.forecast_category)
          <> 'Omitted'
),
final as (
    select t.snapshot_date, t.period_start, t.period_end, t.is_later, t.stage_name,
           coalesce(o.deal_type, 'unknown') as deal_type,
           coalesce(o.segment, 'unknown') as segment,
           coalesce(len(list_filter([31, 91, 181],
                                    lambda e: e <= date_diff('day', o.created_date,
                                                             t.snapshot_date))),
                    -1) as age_bucket,
           t.amount,
           count(*) as deals,
           count(*) filter (where o.is_closed and o.close_date <= t.period_end) as closed,
           count(*) filter (where o.is_won and o.close_date <= t.period_end) as won
    from open_then t
    left join opportunities o using (opportunity_id)
    group by all
)
select * from final
order by snapshot_date, period_start, period_end
