-- grain: one row per weekly snapshot in [$first, $last] and open deal of $root_id's team
-- (people of $as_of) closing in [$start, $later_end] as it stood then (is_later: after
-- $end); Omitted deals never count.
-- The same columns as whatif_open_deals.sql, ages taken at each snapshot, plus as_of_date.
with team as (
    select person_id from team_members($root_id, $as_of)
),
deals as (
    select d.*
    from deal_states_between($first, $last) d
    where d.owner_id in (select person_id from team)
      and not d.is_closed
      and d.category <> 'Omitted'
      and d.close_date between $start and $later_end
),
final as (
    select d.as_of_date, d.opportunity_id, o.opportunity_name, o.account_name, d.owner_id,
           p.name as owner_name, d.stage_name, d.category, d.amount, d.close_date,
           d.close_date > $end as is_later,
           coalesce(o.deal_type, 'unknown') as deal_type,
           coalesce(o.segment, 'unknown') as segment,
           date_diff('day', o.created_date, d.as_of_date) as age_days,
           coalesce(len(list_filter($age_edges::integer[],
                                    lambda e: e <= date_diff('day', o.created_date,
                                                             d.as_of_date))),
                    -1) as age_bucket,
           st.probability / 100.0 as stage_probability
    from deals d
    left join opportunities o using (opportunity_id)
    left join stages st on st.stage_name = d.stage_name
    left join people p on p.person_id = d.owner_id
)
select * from final order by as_of_date, opportunity_id
