-- grain: one row per owner of leads still open at the end of the as-of date (created, neither
-- disqualified nor turned into an opportunity): how many, their ages in whole days from
-- creation to the as-of date (age_days: every one, in order; median and oldest), and how many
-- are untouched (reached MQL, no first response and no recorded touch; touches has no date:
-- the latest count is used). funnel_rep_load.sql reads it.
create or replace table derived_funnel_open_leads as
with open_leads as (
    select j.owner_id, j.owner_name,
           date_diff('day', j.start_at::date, p.as_of_date) as age_days,
           j.mql_at is not null and j.response_at is null and coalesce(j.touches, 0) = 0
               as is_untouched
    from derived_funnel_journeys j
    cross join derived_funnel_params p
    where j.journey_kind = 'lead' and j.opportunity_id is null and j.disqualified_at is null
)
select owner_id, any_value(owner_name) as owner_name,
       count(*) as open_leads,
       list(age_days order by age_days) as age_days,
       median(age_days) as median_age_days,
       max(age_days) as oldest_age_days,
       count(*) filter (where is_untouched) as untouched_leads
from open_leads
group by owner_id
