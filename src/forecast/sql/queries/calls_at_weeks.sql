-- grain: one row per week in $weeks and person in $people with a call for $period_id standing
-- at that week's lock ($moments, aligned with $weeks): their latest submission then.
with moments as (
    select unnest($weeks::integer[]) as week, unnest($moments::timestamp[]) as moment
)
select m.week, s.person_id, s.commit_amount, s.best_case_amount, s.submitted_at
from moments m
join submissions s
  on s.submitted_at <= m.moment
 and s.period_id = $period_id
 and s.person_id in (select unnest($people::varchar[]))
qualify row_number() over (
    partition by m.week, s.person_id order by s.submitted_at desc, s.submission_id desc) = 1
