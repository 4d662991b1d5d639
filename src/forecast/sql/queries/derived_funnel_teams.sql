-- grain: one row per team root and person in the root's subtree as of the date of
-- derived_funnel_params (every active person roots a team; the root is in it): owner_id,
-- owner_name, member_name, as funnel_members gives them. Every funnel_* query reads its team
-- from here by root (funnel_team): a few thousand rows, where passing a team of 2,000 people
-- to each query as lists cost more than the query.
create or replace table derived_funnel_teams as
with recursive
lines as (
    select person_id, manager_id, is_active
    from lines_as_of((select as_of_date from derived_funnel_params))
),
subtree(root_id, person_id, path) as (
    select person_id, person_id, [person_id]
    from lines
    where is_active
    union all
    select s.root_id, l.person_id, list_append(s.path, l.person_id)
    from lines l
    join subtree s on l.manager_id = s.person_id
    -- a cycle in bad data must not loop forever
    where not list_contains(s.path, l.person_id)
),
final as (
    select t.root_id, t.person_id as owner_id,
           coalesce(o.name, t.person_id) as owner_name,
           coalesce(m.name, t.member_id) || if(t.member_id = t.root_id, ' (own)', '')
               as member_name
    from (select root_id, person_id, if(len(path) = 1, path[1], path[2]) as member_id
          from subtree) t
    left join people o on o.person_id = t.person_id
    left join people m on m.person_id = t.member_id
)
select * from final
order by root_id
