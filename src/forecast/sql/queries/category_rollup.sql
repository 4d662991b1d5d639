-- grain: one row per point ('a': $as_of and $snap; 'b', only when $as_of_b is given:
-- $as_of_b and $snap_b), direct report of $root_id (covering their whole subtree as of the
-- point's date) and the root's own deals; deals closing in [$start, $end] (whole months) as
-- they stood at the point's snapshot (null = now). Amounts are single-category sums, read
-- from the per-snapshot sums of forecast.aggregates (the same numbers as summing
-- deal_states($snap)); cumulative forecasts are derived from them in forecast.overview.
-- Each point has its own team (the hierarchy as of its date) and quotas; team_quota is the
-- root's own quota for the period at the point (NULL if none), the same on every row of it.
-- Two points in one statement because the Forecast review reads the team now and at the
-- comparison date on every change of team or period: a statement's planning and the team
-- walk cost as much as its sums.
with team as (
    select 'a' as point, person_id, path from team_members($root_id, $as_of)
    union all
    select 'b', person_id, path from team_members($root_id, $as_of_b)
    where $as_of_b is not null
),
sums as (
    select 'a' as point, owner_id, category, amount, weighted_open_amount, deal_count
    from derived_state_sums
    where point_date is not distinct from $snap and close_month between $start and $end
    union all
    select 'a', owner_id, category, amount, 0.0, deal_count
    from derived_closed_sums
    where visible_snapshot <= $snap and close_month between $start and $end
    union all
    select 'b', owner_id, category, amount, weighted_open_amount, deal_count
    from derived_state_sums
    where $as_of_b is not null and point_date is not distinct from $snap_b
      and close_month between $start and $end
    union all
    select 'b', owner_id, category, amount, 0.0, deal_count
    from derived_closed_sums
    where $as_of_b is not null and visible_snapshot <= $snap_b
      and close_month between $start and $end
),
deals as (
    select s.*, if(len(t.path) = 1, t.path[1], t.path[2]) as member_id
    from sums s
    join team t on s.point = t.point and s.owner_id = t.person_id
),
by_member as (
    select point, member_id,
           sum(amount) filter (where category = 'Closed') as closed_amount,
           sum(amount) filter (where category = 'Commit') as commit_amount,
           sum(amount) filter (where category = 'Best Case') as best_case_amount,
           sum(amount) filter (where category = 'Pipeline') as pipeline_amount,
           sum(weighted_open_amount) as weighted_open_amount,
           sum(deal_count) filter (where category = 'Closed') as closed_count,
           sum(deal_count) filter (where category = 'Commit') as commit_count,
           sum(deal_count) filter (where category = 'Best Case') as best_case_count,
           sum(deal_count) filter (where category = 'Pipeline') as pipeline_count
    from deals
    group by point, member_id
),
members as (
    select t.point, t.person_id as member_id, p.name, t.person_id = $root_id as is_own_deals,
           greatest(0, (select count(*) from team b
                        where b.point = t.point and len(b.path) >= 2
                          and b.path[2] = t.person_id) - 1) as people_below
    from team t
    join people p using (person_id)
    where len(t.path) <= 2
),
quotas as (
    select 'a' as point, person_id, amount from quotas_as_of($as_of) where period_id = $period_id
    union all
    select 'b', person_id, amount from quotas_as_of($as_of_b)
    where $as_of_b is not null and period_id = $period_id
),
final as (
    select m.point, m.member_id, m.name, m.is_own_deals, m.people_below,
           q.amount as quota_amount,
           coalesce(s.closed_amount, 0) as closed_amount,
           coalesce(s.commit_amount, 0) as commit_amount,
           coalesce(s.best_case_amount, 0) as best_case_amount,
           coalesce(s.pipeline_amount, 0) as pipeline_amount,
           coalesce(s.weighted_open_amount, 0) as weighted_open_amount,
           coalesce(s.closed_count, 0)::bigint as closed_count,
           coalesce(s.commit_count, 0)::bigint as commit_count,
           coalesce(s.best_case_count, 0)::bigint as best_case_count,
           coalesce(s.pipeline_count, 0)::bigint as pipeline_count,
           (select amount from quotas r where r.point = m.point and r.person_id = $root_id)
               as team_quota
    from members m
    left join by_member s using (point, member_id)
    left join quotas q
        on q.point = m.point and q.person_id = m.member_id and not m.is_own_deals
)
select * from final order by point, is_own_deals desc, name
