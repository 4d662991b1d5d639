-- grain: one row per call (submission) of a person in $people for $period_id, oldest first:
-- what the call standing at any moment is picked from (forecast.calls.this_and_last_week).
-- A few per person and week, so a page keeps them cached and picks by the clock.
select person_id, submission_id, commit_amount, best_case_amount, note, submitted_at,
       entered_by
from submissions
where person_id in (select unnest($people::varchar[]))
  and period_id = $period_id
order by person_id, submitted_at, submission_id
