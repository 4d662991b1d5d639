-- grain: one row: a fingerprint of the stage history derived_stage_stays is built from: its
-- size and first and latest entry, and the imports log, since the one writer that removes
-- stage entries (a Salesforce history import) is an import. Every part is answered from
-- table statistics or a tiny table, so the check costs a few milliseconds; it runs before
-- every page run, where summing every entry cost half a second at a million deals. One union
-- branch per part: as scalar subqueries of one select, DuckDB merges the aggregates of a
-- table into one scan and the statistics no longer answer them.
with parts as (
    select 1 as part, count(*)::varchar as fingerprint_part from stage_events
    union all select 2, min(entered_at)::varchar from stage_events
    union all select 3, max(entered_at)::varchar from stage_events
    union all select 4, count(*)::varchar from imports
    union all select 5, max(started_at)::varchar from imports
),
final as (
    select string_agg(coalesce(fingerprint_part, ''), ' | ' order by part) as fingerprint
    from parts
)
select * from final
