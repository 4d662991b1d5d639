-- grain: one row per active person on $as_of: manager, depth from the top of their tree and
-- the size of their subtree (themselves included), for pickers and tree charts.
with recursive
active as (
    select person_id, manager_id from lines_as_of($as_of) where is_active
),
walk(person_id, top_id, depth, path) as (
    select person_id, person_id, 0, [person_id]
    from active
    where manager_id is null or manager_id not in (select person_id from active)
    union all
    select a.person_id, w.top_id, w.depth + 1, list_append(w.path, a.person_id)
    from active a
    join walk w on a.manager_id = w.person_id
    where not list_contains(w.path, a.person_id)
),
sizes as (
    select unnest(path) as person_id, count(*) as team_size
    from walk
    group by 1
),
final as (
    select w.person_id, a.manager_id, w.depth, p.name, p.title, s.team_size, w.path
    from walk w
    join active a using (person_id)
    join people p using (person_id)
    join sizes s using (person_id)
)
select * from final order by path
