-- grain: one row per stored table the Data page reports on.
select 'People' as "table", count(*) as "rows" from people
union all select 'Reporting lines (all dates)', count(*) from reporting_lines
union all select 'Opportunities', count(*) from opportunities
union all select 'Snapshot rows (deal x week)', count(*) from opportunity_snapshots
union all select 'Weekly snapshots', count(*) from snapshots
union all select 'Stage changes', count(*) from stage_events
union all select 'Quota rows', count(*) from quotas
union all select 'Leads', count(*) from leads
union all select 'Forecast calls', count(*) from submissions
union all select 'Manager adjustments', count(*) from adjustments
union all select 'Imports', count(*) from imports
