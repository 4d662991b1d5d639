-- grain: one row per lead of the team ($root_id's, from
-- derived_funnel_teams) behind a speed-to-lead or
-- follow-up number (at most $limit rows; $split_value is of $dimension):
--   $kind 'bucket': MQLs of the view (period: MQL inside [$start, $end]; cohort: created
--   inside it) whose first response fell in bucket $bucket_order (see funnel_speed.sql);
--   'no_show': MQLs of the view whose booked demo was a no-show; 'untouched': open leads
--   (no opportunity, not disqualified) that reached MQL and had no response and no touch by
--   the as-of date; 'open': every open lead of owner $owner_id (null = every owner).
with params as (
    select $start::timestamp as starts_at,
           ($end::date + interval 1 day)::timestamp as ends_before
),
flagged as (
    select j.*, m.member_name,
           funnel_split($dimension, if($dimension = 'source', j.source, j.segment),
                        j.deal_type, m.member_name, m.owner_name) as split_value,
           j.response_at is not null as is_answered,
           case when j.response_at is null then 5
                when j.response_minutes <= $fast_minutes then 1
                when j.response_minutes <= $target_minutes then 2
                when j.response_minutes <= $max_minutes then 3
                else 4 end as bucket_order,
           j.opportunity_id is null and j.disqualified_at is null as is_open,
           date_diff('day', j.start_at::date, $as_of_date::date) as age_days,
           j.mql_at is not null and (
               case $view
                   when 'period' then j.mql_at >= p.starts_at and j.mql_at < p.ends_before
                   else j.start_at >= p.starts_at and j.start_at < p.ends_before
               end) as is_in_view
    from derived_funnel_journeys j
    join funnel_team($root_id) m using (owner_id)
    cross join params p
    where j.journey_kind = 'lead'
),
final as (
    select lead_id, lead_name, company, owner_name, member_name as team, source, segment,
           deal_type, start_at as created_at, mql_at, response_at,
           response_minutes, touches, demo_booked_at, demo_no_show, age_days, opportunity_id
    from flagged
    where ($split_value is null or split_value = $split_value)
      and case $kind
              when 'bucket' then is_in_view and bucket_order = $bucket_order
              when 'no_show' then is_in_view and coalesce(demo_no_show, false)
              when 'untouched' then is_open and mql_at is not null and not is_answered
                                    and coalesce(touches, 0) = 0
              when 'open' then is_open and ($owner_id is null or owner_id = $owner_id)
              else false
          end
)
select * from final
order by mql_at desc nulls last, lead_id
limit $limit
