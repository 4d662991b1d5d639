-- grain: one row per deal as it stands now (the live state of deal_states(null)), with what
-- the deal list shows beside it: names, the entry into its current stage (latest entry in
-- the stage history, any date), and its whole weekly history summed as derived_deal_history
-- does (close-date pushes, highest amount, last change). Ordered by close date, so that the
-- deals of one period are a few row groups: the deal list of any team and period as of the
-- latest data reads them instead of scanning every deal, the history and the stage events
-- (deal_list_live.sql).
create or replace table derived_deal_facts as
with stage_entry as (
    select e.opportunity_id, max(e.entered_at) as stage_entered_at
    from stage_events e
    join opportunities o on o.opportunity_id = e.opportunity_id and o.stage_name = e.stage_name
    group by e.opportunity_id
),
past as (
    select opportunity_id, snapshot_date, amount, close_date,
           lag(close_date) over w as prev_close_date,
           lag(amount) over w as prev_amount
    from opportunity_snapshots
    window w as (partition by opportunity_id order by snapshot_date)
),
history as (
    select opportunity_id,
           count(*) filter (where close_date > prev_close_date) as pushes,
           max(amount) as max_amount,
           max(snapshot_date) filter (where amount <> prev_amount
                                          or close_date <> prev_close_date) as last_change_date
    from past
    group by opportunity_id
),
final as (
    select d.opportunity_id, d.owner_id, d.amount, d.stage_name, d.stage_category,
           d.forecast_category, d.category, d.close_date, d.is_closed, d.is_won,
           o.opportunity_name, o.account_name, o.deal_type, o.created_date,
           o.stage_entered_date, o.close_date_pushes,
           se.stage_entered_at, h.pushes, h.max_amount, h.last_change_date
    from deal_states(null) d
    join opportunities o using (opportunity_id)
    left join stage_entry se using (opportunity_id)
    left join history h using (opportunity_id)
)
select * from final
order by close_date, opportunity_id
