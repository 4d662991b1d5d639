-- grain: one row per open deal of $root_id's team (people of $as_of) closing in
-- [$start, $later_end] as it stands now (is_later = dated after $end, such a deal may still
-- be pulled in); Omitted deals never count. The rows and columns of whatif_open_deals.sql
-- with $snap null (the live state of deal_states), read from one scan of the deals: that
-- query joins the deals back to themselves for names, type and segment, which reads every
-- deal's names (about 0.5 s at a million deals).
with team as (
    select person_id from team_members($root_id, $as_of)
),
deals as (
    select o.opportunity_id, o.opportunity_name, o.account_name, o.owner_id, o.stage_name,
           o.amount, o.close_date, o.deal_type, o.segment, o.created_date,
           st.probability as stage_default_probability,
           deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
               as category
    from opportunities o
    left join stages st on st.stage_name = o.stage_name
    where o.owner_id in (select person_id from team)
      and not o.is_closed
      and o.close_date between $start and $later_end
),
final as (
    select d.opportunity_id, d.opportunity_name, d.account_name, d.owner_id,
           p.name as owner_name, d.stage_name, d.category, d.amount, d.close_date,
           d.close_date > $end as is_later,
           coalesce(d.deal_type, 'unknown') as deal_type,
           coalesce(d.segment, 'unknown') as segment,
           date_diff('day', d.created_date, $as_of) as age_days,
           coalesce(len(list_filter($age_edges::integer[],
                                    lambda e: e <= date_diff('day', d.created_date, $as_of))),
                    -1) as age_bucket,
           d.stage_default_probability / 100.0 as stage_probability
    from deals d
    left join people p on p.person_id = d.owner_id
    where d.category <> 'Omitted'
)
select * from final order by opportunity_id
