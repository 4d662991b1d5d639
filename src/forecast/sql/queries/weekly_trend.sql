-- grain: one row per weekly snapshot in [$first, $last]: the single-category sums of the
-- deals of $root_id's team (as of $as_of) closing in [$start, $end], as they stood then.
with team as (
    select person_id from team_members($root_id, $as_of)
),
deals as (
    select d.*
    from deal_states_between($first, $last) d
    where d.owner_id in (select person_id from team)
      and d.close_date between $start and $end
),
final as (
    select as_of_date,
           coalesce(sum(amount) filter (where category = 'Closed'), 0) as closed_amount,
           coalesce(sum(amount) filter (where category = 'Commit'), 0) as commit_amount,
           coalesce(sum(amount) filter (where category = 'Best Case'), 0) as best_case_amount,
           coalesce(sum(amount) filter (where category = 'Pipeline'), 0) as pipeline_amount,
           coalesce(sum(amount * probability_used / 100.0) filter (where not is_closed), 0)
               as weighted_open_amount
    from deals
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
