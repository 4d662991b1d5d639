-- grain: one row per person in $root_id's subtree as of $as_of (the team of that date), with
-- the single-category sums of the deals they own themselves (not their subtree), closing in
-- [$start, $end] as the deals stood on $snap (null = live), and their own quota.
with team as (
    select person_id, manager_id, depth, path from team_members($root_id, $as_of)
),
own as (
    select d.owner_id as person_id,
           sum(amount) filter (where category = 'Closed') as closed_amount,
           sum(amount) filter (where category = 'Commit') as commit_amount,
           sum(amount) filter (where category = 'Best Case') as best_case_amount,
           sum(amount) filter (where category = 'Pipeline') as pipeline_amount,
           sum(amount * probability_used / 100.0) filter (where not is_closed)
               as weighted_open_amount
    from deal_states($snap) d
    where d.owner_id in (select person_id from team)
      and d.close_date between $start and $end
    group by d.owner_id
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
