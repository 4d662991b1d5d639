-- grain: one row per person in $people, in its order: the call for $period_id standing at $at
-- (the latest at or before it) beside the one standing at $opened (the lock that opened the
-- call week), each with is_stale (made at or before $opened / $opened_last: carried forward
-- into a week it was not made in); blank where there is none. Two calls_at.sql reads in one
-- statement: the Forecast review reads it on every run.
with wanted as (
    select unnest($people::varchar[]) as person_id,
           generate_subscripts($people::varchar[], 1) as position
),
entries as (
    select person_id, submission_id, commit_amount, best_case_amount, note, submitted_at,
           entered_by
    from submissions
    where person_id in (select person_id from wanted)
      and period_id = $period_id
      and submitted_at <= greatest($at, $opened)
),
this_week as (
    select * from entries
    where submitted_at <= $at
    qualify row_number() over (partition by person_id
                               order by submitted_at desc, submission_id desc) = 1
),
last_week as (
    select * from entries
    where submitted_at <= $opened
    qualify row_number() over (partition by person_id
                               order by submitted_at desc, submission_id desc) = 1
),
final as (
    select w.person_id,
           t.submission_id, t.commit_amount, t.best_case_amount, t.note, t.submitted_at,
           t.entered_by, t.submitted_at <= $opened as is_stale,
           l.submission_id as submission_id_last_week,
           l.commit_amount as commit_amount_last_week,
           l.best_case_amount as best_case_amount_last_week,
           l.note as note_last_week, l.submitted_at as submitted_at_last_week,
           l.entered_by as entered_by_last_week,
           l.submitted_at <= $opened_last as is_stale_last_week,
           w.position
    from wanted w
    left join this_week t using (person_id)
    left join last_week l using (person_id)
)
select * exclude (position) from final order by position
