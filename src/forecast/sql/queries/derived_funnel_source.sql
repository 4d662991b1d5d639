-- grain: one row: a fingerprint of everything the funnel's scope tables are built from (leads,
-- deals, stage history, stages, people and reporting lines), so that a scope built before a
-- change of any of them is built again.
select concat_ws(' | ',
    (select concat_ws('/', count(*), max(updated_at), sum(round(amount * 100)::hugeint))
     from opportunities),
    (select concat_ws('/', count(*), max(entered_at), sum(epoch_ms(entered_at)))
     from stage_events),
    (select concat_ws('/', count(*), max(created_at), sum(epoch_ms(mql_at)),
                      sum(epoch_ms(srl_at)), sum(epoch_ms(sql_at)),
                      sum(epoch_ms(converted_at)), sum(epoch_ms(disqualified_at)),
                      sum(epoch_ms(first_response_at)), sum(epoch_ms(demo_booked_at)),
                      sum(hash(owner_id, opportunity_id)))
     from leads),
    (select concat_ws('/', count(*), max(recorded_at)) from reporting_lines),
    (select concat_ws('/', count(*), sum(hash(person_id, name))) from people),
    (select list(stages order by stage_name) from stages)
) as fingerprint
