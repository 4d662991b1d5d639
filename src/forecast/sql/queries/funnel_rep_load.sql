-- grain: one row per owner of open leads in the scope, as of the as-of date. An open lead was
-- created by then and is neither disqualified nor turned into an opportunity; its age is
-- whole days from creation to the as-of date. Untouched: an open lead that reached MQL and
-- had no first response and no recorded touch by then (touches has no date: the latest count
-- is used).
with open_leads as (
    select owner_id, owner_name,
           date_diff('day', start_at::date, $as_of_date::date) as age_days,
           mql_at is not null and response_at is null and coalesce(touches, 0) = 0
               as is_untouched
    from funnel_journeys
    where journey_kind = 'lead' and opportunity_id is null and disqualified_at is null
),
final as (
    select owner_id, owner_name,
           count(*) as open_leads,
           count(*) filter (where age_days > $age_days) as old_leads,
           median(age_days) as median_age_days,
           max(age_days) as oldest_age_days,
           count(*) filter (where is_untouched) as untouched_leads,
           count(*) > $lead_cap as is_over_cap
    from open_leads
    group by all
)
select * from final
order by open_leads desc, owner_name
