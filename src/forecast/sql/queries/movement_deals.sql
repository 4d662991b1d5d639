-- grain: one row per deal behind one bar of the bridge in the temp table
-- movement_classified ($bucket: 'Start' or 'End' = every deal in that set, a change bucket =
-- its deals, null = every deal in Start or End), largest move first, at most $limit rows
-- (null = all), with the deal's name and its owner's name.
with picked as (
    select c.*
    from movement_classified c
    where case
              when $bucket is null then true
              when $bucket = 'Start' then c.is_in_start
              when $bucket = 'End' then c.is_in_end
              else c.bucket = $bucket
          end
    order by list_position(['Created', 'Pulled in', 'Amount up', 'Amount down', 'Pushed out',
                            'Won', 'Lost', 'Other', 'Unchanged'], c.bucket),
             abs(c.value_cents) desc, c.opportunity_id
    limit $limit
),
final as (
    select p.opportunity_id,
           o.opportunity_name,
           p.owner_id,
           n.name as owner_name,
           p.member_id,
           p.bucket, p.direction, p.reason, p.is_in_start, p.is_in_end,
           p.amount_t0, p.amount_t1, p.value, p.value_cents, p.start_cents, p.end_cents,
           p.close_date_t0, p.close_date_t1, p.category_t0, p.category_t1,
           p.stage_t0, p.stage_t1, p.owner_id_t0, p.owner_id_t1
    from picked p
    left join opportunities o on o.opportunity_id = p.opportunity_id
    left join people n on n.person_id = p.owner_id
)
select * from final
order by list_position(['Created', 'Pulled in', 'Amount up', 'Amount down', 'Pushed out', 'Won',
                        'Lost', 'Other', 'Unchanged'], bucket),
         abs(value_cents) desc, opportunity_id
