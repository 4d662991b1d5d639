-- grain: one row per period in $period_ids, week of it and person in $root_id's team of the
-- period's last day who had a commit call standing at that week's lock and something closed
-- in their team: the call, Closed over the person's team of that day in the period (final
-- state of the deals), and whether the lock falls inside the period. The locks
-- come as ($lock_periods, $weeks, $moments), aligned lists; $starts and $ends align with
-- $period_ids. Every period and week of the caller accuracy section in one query.
with periods as (
    select unnest($period_ids::varchar[]) as period_id, unnest($starts::date[]) as start_date,
           unnest($ends::date[]) as end_date
),
given_locks as (
    select unnest($lock_periods::varchar[]) as period_id, unnest($weeks::integer[]) as week,
           unnest($moments::timestamp[]) as moment
),
locks as (
    select l.*, l.moment::date <= p.end_date as in_period
    from given_locks l
    join periods p using (period_id)
),
team as (
    select p.period_id, t.person_id, t.depth, t.path
    from periods p, lateral (select * from team_members($root_id, p.end_date)) t
),
closed as (
    -- the final state: the live sums (forecast.aggregates), as accuracy.actual_closed reads
    select p.period_id, s.owner_id as person_id, sum(s.amount) as closed_amount
    from derived_state_sums s
    join periods p on s.close_month between p.start_date and p.end_date
    where s.point_date is null and s.category = 'Closed'
    group by all
),
on_path as (
    -- each person's own Closed counts for everyone on their path (their managers and them)
    select t.period_id, unnest(t.path) as person_id, c.closed_amount
    from team t
    join closed c using (period_id, person_id)
),
actual as (
    select period_id, person_id, sum(closed_amount) as actual
    from on_path
    group by all
),
calls_at_each_time as (
    -- two calls made at the same moment: the later entered (higher id) is the one standing;
    -- only the team's calls (a team below the top reads a fraction of them)
    select s.period_id, s.person_id, s.submitted_at,
           arg_max(s.commit_amount, s.submission_id) as call
    from submissions s
    semi join team t on t.period_id = s.period_id and t.person_id = s.person_id
    group by all
),
standing as (
    -- the latest call at or before each lock (a group-by: a window per person and week, or
    -- an as-of join over 8,000 person-periods, costs several times more at 2,000 people)
    select l.period_id, c.person_id, l.week, l.in_period, arg_max(c.call, c.submitted_at) as call
    from locks l
    join calls_at_each_time c on c.period_id = l.period_id and c.submitted_at <= l.moment
    group by all
),
scored_people as (
    -- nothing closed: the error is undefined, the person is left out for that period
    select a.period_id, a.person_id, pe.name, t.depth, a.actual
    from actual a
    join team t using (period_id, person_id)
    join people pe using (person_id)
    where a.actual > 0
),
final as (
    select p.period_id, p.person_id, p.name, p.depth, s.week, p.actual, s.call, s.in_period
    from scored_people p
    join standing s using (period_id, person_id)
)
-- unordered: every reader groups or picks one week first
select * from final
