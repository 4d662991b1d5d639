-- grain: one row: a fingerprint of everything the funnel's derived tables are built from
-- (leads, deals, stage history, stages, people and reporting lines, the data date and the
-- stall setting). Every part is a count, a minimum or maximum (answered from table
-- statistics) or a tiny table, so the check costs milliseconds at a million deals; an
-- import of any kind adds a row to imports, so a lead updated in place is seen too. The
-- first part names the layout of the tables: a new layout is built anew (bump it whenever a
-- derived_funnel_*.sql changes what it builds).
select concat_ws(' | ',
    'funnel layout 2',
    (select concat_ws('/', count(*), max(updated_at), min(created_date), max(created_date),
                      max(close_date))
     from opportunities),
    (select concat_ws('/', count(*), min(entered_at), max(entered_at)) from stage_events),
    (select concat_ws('/', count(*), min(created_at), max(created_at), max(mql_at),
                      max(converted_at), max(disqualified_at), max(first_response_at))
     from leads),
    (select concat_ws('/', count(*), max(recorded_at)) from reporting_lines),
    (select count(*) from people),
    (select concat_ws('/', count(*), max(started_at)) from imports),
    (select list(stages order by stage_name) from stages),
    (select list(key || '=' || value order by key) from settings
     where key in ('data_as_of', 'funnel_stall_days'))
) as fingerprint
