-- grain: one row per deal of $root_id's team (people of $as_of, by the deal's final owner)
-- created after a point (parallel lists $snapshot_dates, $period_starts, $period_ends: a
-- weekly snapshot at the same point of a past period) and won with a close date inside that
-- period: the new pipeline that was created and won within the rest of the period.
-- is_lead_sourced: the deal came from a lead that was an MQL.
with points as (
    select unnest($snapshot_dates::date[]) as snapshot_date,
           unnest($period_starts::date[]) as period_start,
           unnest($period_ends::date[]) as period_end,
           unnest($later_ends::date[]) as later_end  -- part of every point; unused here
),
team as (
    select person_id from team_members($root_id, $as_of)
),
final as (
    select p.snapshot_date, p.period_start, o.opportunity_id, o.amount,
           exists (select 1 from leads l
                   where l.opportunity_id = o.opportunity_id and l.mql_at is not null)
               as is_lead_sourced
    from points p
    join opportunities o
      on o.created_date > p.snapshot_date
     and o.is_won
     and o.close_date between p.period_start and p.period_end
    where o.owner_id in (select person_id from team)
)
select * from final order by snapshot_date desc, opportunity_id
