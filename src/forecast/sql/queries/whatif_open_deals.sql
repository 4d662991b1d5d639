-- grain: one row per open deal of $root_id's team (people of $as_of) closing in
-- [$start, $later_end] ($later_end: the end of the next period; is_later = dated after $end,
-- such a deal may still be pulled in), as it stood on $snap (null = live); Omitted deals
-- never count. With what the learned chances are keyed on: stage, age bucket (number of
-- $age_edges at or below the age in days; -1 = no created date), deal type and segment.
with team as (
    select person_id from team_members($root_id, $as_of)
),
deals as (
    select d.*
    from deal_states($snap) d
    where d.owner_id in (select person_id from team)
      and not d.is_closed
      and d.category <> 'Omitted'
      and d.close_date between $start and $later_end
),
final as (
    select d.opportunity_id, o.opportunity_name, o.account_name, d.owner_id,
           p.name as owner_name, d.stage_name, d.category, d.amount, d.close_date,
           d.close_date > $end as is_later,
           coalesce(o.deal_type, 'unknown') as deal_type,
           coalesce(o.segment, 'unknown') as segment,
           date_diff('day', o.created_date, $as_of) as age_days,
           coalesce(len(list_filter($age_edges::integer[],
                                    lambda e: e <= date_diff('day', o.created_date, $as_of))),
                    -1) as age_bucket,
           st.probability / 100.0 as stage_probability
    from deals d
    left join opportunities o using (opportunity_id)
    left join stages st on st.stage_name = d.stage_name
    left join people p on p.person_id = d.owner_id
)
select * from final order by opportunity_id
