-- grain: one row: a fingerprint of what derived_deal_facts is built from. The live deals and
-- the stages as derived_sources.sql reads them; the weekly history by its size and latest
-- date (append-only); the stage history by its size and first and latest entry, and the
-- imports log, since the one writer that removes stage entries (a Salesforce history import)
-- is an import. Every part is answered from table statistics or a tiny table (a few
-- milliseconds; summing every stage entry would cost half a second at a million deals).
-- One union branch per part: written as scalar subqueries of one select, DuckDB merges the
-- aggregates of a table into one scan and the statistics no longer answer them.
with parts as (
    select 1 as part, count(*)::varchar as fingerprint_part from opportunities
    union all select 2, max(updated_at)::varchar from opportunities
    union all select 3, list(stages order by stage_name)::varchar from stages
    union all select 4, count(*)::varchar from opportunity_snapshots
    union all select 5, max(snapshot_date)::varchar from opportunity_snapshots
    union all select 6, count(*)::varchar from stage_events
    union all select 7, min(entered_at)::varchar from stage_events
    union all select 8, max(entered_at)::varchar from stage_events
    union all select 9, count(*)::varchar from imports
    union all select 10, max(started_at)::varchar from imports
),
final as (
    select string_agg(coalesce(fingerprint_part, ''), ' | ' order by part) as fingerprint
    from parts
)
select * from final
