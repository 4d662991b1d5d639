-- grain: one row per deal in the weekly history: how many times its close date moved later
-- from one snapshot to the next, its highest amount, and the last snapshot at which its
-- amount or close date changed, over the whole history. The deal list reads it when the
-- as-of date is on or after the latest snapshot (the whole history is then the history up
-- to the as-of date); for earlier dates it works the same out from the snapshots up to then.
create or replace table derived_deal_history as
with past as (
    select opportunity_id, snapshot_date, amount, close_date,
           lag(close_date) over w as prev_close_date,
           lag(amount) over w as prev_amount
    from opportunity_snapshots
    window w as (partition by opportunity_id order by snapshot_date)
),
final as (
    select opportunity_id,
           count(*) filter (where close_date > prev_close_date) as pushes,
           max(amount) as max_amount,
           max(snapshot_date) filter (where amount <> prev_amount
                                          or close_date <> prev_close_date) as last_change_date
    from past
    group by opportunity_id
)
select * from final
order by opportunity_id
