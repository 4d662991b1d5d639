-- The macros every funnel_* query reads a team and a split with (kept in the store with
-- the funnel's derived tables, built right after derived_funnel_teams).
-- funnel_members: one row per person in the subtree of root_id as of as_of_date (root
-- included): owner_id, owner_name, and member_name, the root's direct report the person rolls
-- up to ("<root's name> (own)" for the root).
create or replace macro funnel_members(root_id, as_of_date) as table
    select t.person_id as owner_id,
           coalesce(o.name, t.person_id) as owner_name,
           coalesce(m.name, t.member_id) || if(t.member_id = root_id, ' (own)', '')
               as member_name
    from (select person_id, if(len(path) = 1, path[1], path[2]) as member_id
          from team_members(root_id, as_of_date)) t
    left join people o on o.person_id = t.person_id
    left join people m on m.person_id = t.member_id;

-- funnel_split: the split value of a row for the dimension asked for ('source' and 'segment'
-- = dim_value, the row's source or segment; 'deal_type', 'team' = member_name, 'rep' =
-- owner_name; anything else = 'All'). The dimension comes from a fixed list
-- (forecast.funnel.DIMENSIONS). funnel_dim: the grain of derived_funnel_step_months and
-- _step_totals that holds the dimension's split values.
create or replace macro funnel_split(dimension, dim_value, deal_type, member_name,
                                     owner_name) as
    case dimension
        when 'source' then dim_value
        when 'segment' then dim_value
        when 'deal_type' then deal_type
        when 'team' then member_name
        when 'rep' then owner_name
        else 'All'
    end;

create or replace macro funnel_dim(dimension) as
    if(dimension in ('source', 'segment'), dimension, 'none');

-- funnel_team: the members of team_root's team as funnel_members gives them, read from
-- derived_funnel_teams (built before these macros: a table macro is checked when created).
create or replace macro funnel_team(team_root) as table
    select owner_id, owner_name, member_name
    from derived_funnel_teams
    where root_id = team_root;
