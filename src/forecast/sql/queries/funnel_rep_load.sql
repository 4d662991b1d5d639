-- grain: one row per owner of open leads in the team ($root_id's, from derived_funnel_teams) (see
-- derived_funnel_open_leads.sql): open leads, how many are older than $age_days days, their
-- median and oldest age, untouched leads, and whether the owner holds more than $lead_cap.
with final as (
    select owner_id, owner_name, open_leads,
           len(list_filter(age_days, lambda a: a > $age_days)) as old_leads,
           median_age_days, oldest_age_days, untouched_leads,
           open_leads > $lead_cap as is_over_cap
    from derived_funnel_open_leads
    where owner_id in (select owner_id from funnel_team($root_id))
)
select * from final
order by open_leads desc, owner_name
