-- grain: one row per weekly snapshot in [$first, $last]: the single-category sums of the
-- deals of $root_id's team (as of $as_of) closing in [$start, $end] (whole months), as they
-- stood then.
with team as (
    select person_id from team_members($root_id, $as_of)
),
points as (
    select snapshot_date from snapshots where snapshot_date between $first and $last
),
-- the per-snapshot sums of forecast.aggregates (the same numbers as deal_states_between)
deals as (
    select p.snapshot_date as as_of_date, f.owner_id, f.category, f.amount,
           f.weighted_open_amount
    from derived_state_sums f
    join points p on f.point_date = p.snapshot_date
    where f.close_month between $start and $end
    union all
    select p.snapshot_date, c.owner_id, c.category, c.amount, 0.0
    from derived_closed_sums c
    join points p on c.visible_snapshot <= p.snapshot_date
    where c.close_month between $start and $end
),
final as (
    select as_of_date,
           coalesce(sum(amount) filter (where category = 'Closed'), 0) as closed_amount,
           coalesce(sum(amount) filter (where category = 'Commit'), 0) as commit_amount,
           coalesce(sum(amount) filter (where category = 'Best Case'), 0) as best_case_amount,
           coalesce(sum(amount) filter (where category = 'Pipeline'), 0) as pipeline_amount,
           coalesce(sum(weighted_open_amount), 0)
               as weighted_open_amount
    from deals
    where owner_id in (select person_id from team)
    group by as_of_date
)
select s.snapshot_date as as_of_date,
       coalesce(f.closed_amount, 0) as closed_amount,
       coalesce(f.commit_amount, 0) as commit_amount,
       coalesce(f.best_case_amount, 0) as best_case_amount,
       coalesce(f.pipeline_amount, 0) as pipeline_amount,
       coalesce(f.weighted_open_amount, 0) as weighted_open_amount
from snapshots s
left join final f on f.as_of_date = s.snapshot_date
where s.snapshot_date between $first and $last
order by 1
