-- grain: one row per person in $people with a call for $period_id at or before $at: their
-- latest submission then (a later one does not change what stood at $at).
select person_id, submission_id, commit_amount, best_case_amount, note, submitted_at,
       entered_by
from submissions
where person_id in (select unnest($people::varchar[]))
  and period_id = $period_id
  and submitted_at <= $at
qualify row_number() over (partition by person_id order by submitted_at desc, submission_id desc) = 1
