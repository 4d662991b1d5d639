-- Table macros shared by the queries in sql/queries/. They hold no data, so they are
-- re-created on every connect instead of by a migration.

-- grain: one row per person as of as_of_date: their manager (null at the top) and whether
-- they are active. The line as of a date is the latest reporting_lines row on or before it.
create or replace macro lines_as_of(as_of_date) as table
    select person_id, manager_id, is_active
    from reporting_lines
    where effective_date <= as_of_date
    qualify row_number() over (partition by person_id order by effective_date desc) = 1;

-- grain: one row per person in the subtree of root_id as of as_of_date (root included), with
-- depth below the root and the path of ids from the root. People who have left stay under
-- their last manager (is_active false), so the deals they closed still count for that team.
create or replace macro team_members(root_id, as_of_date) as table
    with recursive
    lines as (
        select person_id, manager_id, is_active from lines_as_of(as_of_date)
    ),
    subtree(person_id, manager_id, is_active, depth, path) as (
        select person_id, manager_id, is_active, 0, [person_id]
        from lines
        where person_id = root_id and is_active
        union all
        select l.person_id, l.manager_id, l.is_active, s.depth + 1,
               list_append(s.path, l.person_id)
        from lines l
        join subtree s on l.manager_id = s.person_id
        -- a cycle in bad data must not loop forever
        where not list_contains(s.path, l.person_id)
    )
    select * from subtree;

-- The category a deal counts in: won deals are Closed, lost ones Omitted, open ones the
-- rep-set category, else the stage's default.
create or replace macro deal_category(is_won, is_closed, rep_category, stage_category) as
    case
        when is_won then 'Closed'
        when is_closed then 'Omitted'
        else coalesce(rep_category, stage_category, 'Pipeline')
    end;

-- grain: one row per weekly snapshot date in [first_date, last_date] and deal as it stood
-- then. Deals open then come from the snapshot; deals closed by then and absent from the
-- snapshot come from their final state.
create or replace macro deal_states_between(first_date, last_date) as table
    with unioned as (
        select snapshot_date as as_of_date, opportunity_id, owner_id, amount, stage_name,
               probability, forecast_category, close_date, is_closed, is_won
        from opportunity_snapshots
        where snapshot_date between first_date and last_date
        union all
        select d.snapshot_date, o.opportunity_id, o.owner_id, o.amount, o.stage_name,
               o.probability, o.forecast_category, o.close_date, o.is_closed, o.is_won
        from snapshots d
        join opportunities o
          on o.is_closed
         and o.close_date <= d.snapshot_date
         and coalesce(o.created_date, o.close_date) <= d.snapshot_date
        where d.snapshot_date between first_date and last_date
          and not exists (
              -- the date range again, so only the range's snapshot rows are read
              select 1 from opportunity_snapshots s
              where s.snapshot_date = d.snapshot_date and s.opportunity_id = o.opportunity_id
                and s.snapshot_date between first_date and last_date
          )
    )
    select u.*,
           coalesce(u.probability, st.probability) as probability_used,
           st.forecast_category as stage_category,
           deal_category(u.is_won, u.is_closed, u.forecast_category, st.forecast_category)
               as category
    from unioned u
    left join stages st using (stage_name);

-- grain: one row per deal as it stood on snap_date (a date in the snapshots table), or now
-- when snap_date is null.
create or replace macro deal_states(snap_date) as table
    select o.opportunity_id, o.owner_id, o.amount, o.stage_name, o.probability,
           o.forecast_category, o.close_date, o.is_closed, o.is_won,
           coalesce(o.probability, st.probability) as probability_used,
           st.forecast_category as stage_category,
           deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
               as category
    from opportunities o
    left join stages st using (stage_name)
    where snap_date is null
    union all
    select * exclude (as_of_date) from deal_states_between(snap_date, snap_date);

-- grain: one row per person and period: the quota as of as_of_date (latest change on or
-- before it).
create or replace macro quotas_as_of(as_of_date) as table
    select person_id, period_id, amount
    from quotas
    where effective_date <= as_of_date
    qualify row_number() over (partition by person_id, period_id order by effective_date desc) = 1;
