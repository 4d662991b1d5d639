-- grain: one row per person in $root_id's subtree as of $as_of (the team of that date), with
-- the single-category sums of the deals they own themselves (not their subtree), closing in
-- [$start, $end] (whole months) as the deals stood on $snap (null = live), and their own quota.
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
final as (
    select t.person_id, t.manager_id, t.depth, t.path, p.name, p.title,
           coalesce(o.closed_amount, 0) as closed_amount,
           coalesce(o.commit_amount, 0) as commit_amount,
           coalesce(o.best_case_amount, 0) as best_case_amount,
           coalesce(o.pipeline_amount, 0) as pipeline_amount,
           coalesce(o.weighted_open_amount, 0) as weighted_open_amount,
           q.amount as quota_amount
    from team t
    join people p using (person_id)
    left join own o using (person_id)
    left join quotas_as_of($as_of) q on q.person_id = t.person_id and q.period_id = $period_id
)
select * from final order by path
