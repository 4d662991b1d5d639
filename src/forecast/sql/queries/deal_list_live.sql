-- grain: one row per deal closing in [$start, $end] owned by $root_id's team as of $as_of,
-- as the deal stands now (the live data), with its whole history and risk flags: the same
-- rows and columns as deal_list.sql with $snap null and $whole_history true, read from
-- derived_deal_facts (forecast.aggregates) instead of the deals, the weekly history and the
-- stage events. forecast.deals.deal_list uses it only when every stage entry is dated on or
-- before $as_of, so the latest entry into a deal's stage is the one as of $as_of.
-- $median_stages / $median_days, $member_ids, $categories, $limit: as in deal_list.sql.
-- materialized: inlined, the path lists would be carried into the join and cut per deal
-- (~15 ms of 140k deals at 1M), not once per person
with team as materialized (
    select person_id, if(len(path) = 1, path[1], path[2]) as member_id
    from team_members($root_id, $as_of)
),
-- the list's keys only: the totals and the first $limit rows are worked out on narrow rows,
-- and the rest of each kept row is fetched by its row id
listed as (
    select f.rowid as row_id, f.opportunity_id, f.amount, f.is_closed, t.member_id
    from derived_deal_facts f
    join team t on t.person_id = f.owner_id
    where f.close_date between $start and $end
      and ($member_ids is null or list_contains($member_ids::varchar[], t.member_id))
      and ($categories is null or list_contains($categories::varchar[], f.category))
),
totals as (
    select count(*) as deals_in_list, sum(amount) as amount_in_list from listed
),
kept as (
    select * from listed
    order by is_closed, amount desc, opportunity_id
    limit $limit
),
deals as (
    select f.*, k.member_id, t.deals_in_list, t.amount_in_list
    from kept k
    join derived_deal_facts f on f.rowid = k.row_id
    cross join totals t
),
stage_durations as (
    -- the company-wide usual time in stage, computed once by stage_medians.sql
    select unnest($median_stages::varchar[]) as stage_name,
           unnest($median_days::double[]) as median_days_in_stage
),
final as (
    select d.opportunity_id, d.member_id, d.opportunity_name, d.account_name, d.owner_id,
           p.name as owner_name, d.stage_name, d.stage_category, d.forecast_category as rep_category,
           d.category, d.amount, d.close_date, d.is_closed, d.is_won, d.deal_type,
           date_diff('day', coalesce(d.stage_entered_at::date, d.stage_entered_date,
                                     d.created_date), $as_of) as days_in_stage,
           sd.median_days_in_stage,
           greatest(coalesce(d.pushes, 0), d.close_date_pushes) as close_date_pushes,
           d.last_change_date,
           d.forecast_category is not null and d.stage_category is not null
               and d.forecast_category <> d.stage_category and not d.is_closed
               as is_category_disagreement,
           not d.is_closed and d.close_date < $as_of as is_overdue,
           greatest(coalesce(d.pushes, 0), d.close_date_pushes) >= 3 as is_pushed_3_plus,
           not d.is_closed and d.amount < coalesce(d.max_amount, d.amount) as is_amount_cut,
           not d.is_closed and sd.median_days_in_stage is not null
               and date_diff('day', coalesce(d.stage_entered_at::date, d.stage_entered_date,
                                             d.created_date), $as_of)
                   > greatest(2 * sd.median_days_in_stage, 14) as is_stalled,
           not d.is_closed and d.category = 'Commit' and st.probability < 50
               as is_early_stage_commit,
           d.deals_in_list, d.amount_in_list
    from deals d
    left join people p on p.person_id = d.owner_id
    left join stage_durations sd on sd.stage_name = d.stage_name
    left join stages st on st.stage_name = d.stage_name
)
select * from final order by is_closed, amount desc, opportunity_id
