-- grain: one row per person in $root_id's subtree as of $as_of (the team of that date), with
-- the single-category sums of the deals they own themselves (not their subtree), closing in
-- [$start, $end] (whole months) as the deals stood on $snap (null = live), their own quota,
-- their call for $period_id standing at $at (latest submission at or before it; stale when
-- made at or before $stale_before) and the latest two adjustments of that call made by their
-- manager of $as_of at or before $at. Everything the call ladder reads, in one query.
with team as (
    select person_id, manager_id, depth, path from team_members($root_id, $as_of)
),
sums as (
    -- the per-snapshot sums of forecast.aggregates (the same numbers as deal_states($snap))
    select owner_id, category, amount, weighted_open_amount
    from derived_state_sums
    where point_date is not distinct from $snap and close_month between $start and $end
    union all
    select owner_id, category, amount, 0.0
    from derived_closed_sums
    where visible_snapshot <= $snap and close_month between $start and $end
),
own as (
    select owner_id as person_id,
           sum(amount) filter (where category = 'Closed') as closed_amount,
           sum(amount) filter (where category = 'Commit') as commit_amount,
           sum(amount) filter (where category = 'Best Case') as best_case_amount,
           sum(amount) filter (where category = 'Pipeline') as pipeline_amount,
           sum(weighted_open_amount) as weighted_open_amount
    from sums
    where owner_id in (select person_id from team)
    group by owner_id
),
call as (
    select person_id, commit_amount as call_commit, best_case_amount as call_best_case,
           note as call_note, submitted_at as call_at,
           submitted_at <= $stale_before as call_is_stale
    from submissions
    where period_id = $period_id and submitted_at <= $at
      and person_id in (select person_id from team)
    qualify row_number() over (
        partition by person_id order by submitted_at desc, submission_id desc) = 1
),
ranked_adjustments as (
    -- only the manager of $as_of adjusts: an adjustment by a former manager no longer counts
    select a.person_id, a.manager_id, a.commit_amount, a.best_case_amount, a.note,
           a.adjusted_at,
           row_number() over (partition by a.person_id
                              order by a.adjusted_at desc, a.adjustment_id desc) as recency
    from adjustments a
    join team t on t.person_id = a.person_id and t.manager_id = a.manager_id
    where a.period_id = $period_id and a.adjusted_at <= $at
),
adjustment as (
    select person_id,
           any_value(commit_amount) filter (where recency = 1) as adj_commit,
           any_value(best_case_amount) filter (where recency = 1) as adj_best_case,
           any_value(note) filter (where recency = 1) as adj_note,
           any_value(adjusted_at) filter (where recency = 1) as adj_at,
           any_value(manager_id) filter (where recency = 1) as adj_by,
           any_value(commit_amount) filter (where recency = 2) as adj_prev_commit,
           any_value(best_case_amount) filter (where recency = 2) as adj_prev_best_case
    from ranked_adjustments
    where recency <= 2
    group by person_id
),
final as (
    select t.person_id, t.manager_id, t.depth, t.path, p.name, p.title,
           q.amount as quota_amount,
           coalesce(o.closed_amount, 0) as closed_amount,
           coalesce(o.commit_amount, 0) as commit_amount,
           coalesce(o.best_case_amount, 0) as best_case_amount,
           coalesce(o.pipeline_amount, 0) as pipeline_amount,
           coalesce(o.weighted_open_amount, 0) as weighted_open_amount,
           c.call_commit, c.call_best_case, c.call_note, c.call_at, c.call_is_stale,
           a.adj_commit, a.adj_best_case, a.adj_note, a.adj_at, a.adj_by,
           a.adj_prev_commit, a.adj_prev_best_case
    from team t
    join people p using (person_id)
    left join own o using (person_id)
    left join quotas_as_of($as_of) q on q.person_id = t.person_id and q.period_id = $period_id
    left join call c on c.person_id = t.person_id
    left join adjustment a on a.person_id = t.person_id
)
select * from final order by path
