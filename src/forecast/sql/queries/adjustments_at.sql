-- grain: one row per adjustment of the calls of $people for $period_id made at or before $at.
select person_id, manager_id, adjustment_id, commit_amount, best_case_amount, note,
       adjusted_at, entered_by
from adjustments
where person_id in (select unnest($people::varchar[]))
  and period_id = $period_id
  and adjusted_at <= $at
order by person_id, adjusted_at, adjustment_id
