-- grain: one row per deal closing in [$start, $end] owned by $root_id's team as of $as_of,
-- as the deal stood on $snap (null = live), with its history up to $as_of and risk flags.
-- $median_stages / $median_days: the usual days in each stage (forecast.deals.stage_medians).
-- Optional narrowing (null = all): $member_ids (the root's direct reports whose subtree, or
-- the root itself for its own deals), $categories (category used). The list is ordered open
-- first, then largest amount; $limit (null = no limit) keeps the first rows, and
-- deals_in_list / amount_in_list are the count and total of the whole list before the limit.
-- History and flags are worked out for the kept rows only. $whole_history: see `history`.
-- materialized: inlined, the path lists would be carried into the join and cut per deal
-- (~15 ms of 140k deals at 1M), not once per person
with team as materialized (
    select person_id, if(len(path) = 1, path[1], path[2]) as member_id
    from team_members($root_id, $as_of)
),
listed as (
    select d.*, t.member_id,
           count(*) over () as deals_in_list,
           sum(d.amount) over () as amount_in_list
    from deal_states($snap) d
    join team t on t.person_id = d.owner_id
    where d.close_date between $start and $end
      and ($member_ids is null or list_contains($member_ids::varchar[], t.member_id))
      and ($categories is null or list_contains($categories::varchar[], d.category))
),
deals as (
    select * from listed
    order by is_closed, amount desc, opportunity_id
    limit $limit
),
past as (
    select s.opportunity_id, s.snapshot_date, s.amount, s.close_date,
           lag(s.close_date) over w as prev_close_date,
           lag(s.amount) over w as prev_amount
    from opportunity_snapshots s
    where not $whole_history
      and s.snapshot_date <= $as_of
      and s.opportunity_id in (select opportunity_id from deals)
    window w as (partition by s.opportunity_id order by s.snapshot_date)
),
history as (
    select opportunity_id,
           count(*) filter (where close_date > prev_close_date) as pushes,
           max(amount) as max_amount,
           max(snapshot_date) filter (where amount <> prev_amount
                                          or close_date <> prev_close_date) as last_change_date
    from past
    group by opportunity_id
    union all
    -- $whole_history: $as_of is on or after the latest snapshot, so the history up to it is
    -- all of it, summed once per deal in forecast.aggregates
    select opportunity_id, pushes, max_amount, last_change_date
    from derived_deal_history
    where $whole_history and opportunity_id in (select opportunity_id from deals)
),
stage_entry as (
    select e.opportunity_id, max(e.entered_at)::date as stage_entered_date
    from stage_events e
    join deals d on d.opportunity_id = e.opportunity_id and d.stage_name = e.stage_name
    where e.entered_at::date <= $as_of
    group by e.opportunity_id
),
stage_durations as (
    -- the company-wide usual time in stage, computed once by stage_medians.sql
    select unnest($median_stages::varchar[]) as stage_name,
           unnest($median_days::double[]) as median_days_in_stage
),
final as (
    select d.opportunity_id, d.member_id, o.opportunity_name, o.account_name, d.owner_id,
           p.name as owner_name, d.stage_name, d.stage_category, d.forecast_category as rep_category,
           d.category, d.amount, d.close_date, d.is_closed, d.is_won, o.deal_type,
           date_diff('day', coalesce(se.stage_entered_date, o.stage_entered_date, o.created_date),
                     $as_of) as days_in_stage,
           sd.median_days_in_stage,
           greatest(coalesce(h.pushes, 0), if($snap is null, o.close_date_pushes, 0))
               as close_date_pushes,
           h.last_change_date,
           d.forecast_category is not null and d.stage_category is not null
               and d.forecast_category <> d.stage_category and not d.is_closed
               as is_category_disagreement,
           not d.is_closed and d.close_date < $as_of as is_overdue,
           greatest(coalesce(h.pushes, 0), if($snap is null, o.close_date_pushes, 0)) >= 3
               as is_pushed_3_plus,
           not d.is_closed and d.amount < coalesce(h.max_amount, d.amount) as is_amount_cut,
           not d.is_closed and sd.median_days_in_stage is not null
               and date_diff('day', coalesce(se.stage_entered_date, o.stage_entered_date,
                                             o.created_date), $as_of)
                   > greatest(2 * sd.median_days_in_stage, 14) as is_stalled,
           not d.is_closed and d.category = 'Commit' and st.probability < 50
               as is_early_stage_commit,
           d.deals_in_list, d.amount_in_list
    from deals d
    left join opportunities o using (opportunity_id)
    left join people p on p.person_id = d.owner_id
    left join history h using (opportunity_id)
    left join stage_entry se using (opportunity_id)
    left join stage_durations sd on sd.stage_name = d.stage_name
    left join stages st on st.stage_name = d.stage_name
)
select * from final order by is_closed, amount desc, opportunity_id
