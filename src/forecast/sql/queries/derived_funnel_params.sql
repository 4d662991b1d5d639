-- grain: one row: the date and settings the funnel's derived tables are built for (see
-- forecast.funnel): the store's data date (setting data_as_of, else the newest snapshot, else
-- today, as forecast.asof.data_date) and the stall limit (setting funnel_stall_days, else 60,
-- FunnelSettings' default). root_id: null = every owner's journeys. forecast.funnel builds
-- the same tables for another date, stall limit or team into temporary tables, from its own
-- one-row table of this shape.
create or replace table derived_funnel_params as
select coalesce((select try_cast(value as date) from settings where key = 'data_as_of'),
                (select max(snapshot_date) from snapshots),
                current_date) as as_of_date,
       coalesce((select try_cast(trim(value) as integer) from settings
                 where key = 'funnel_stall_days'), 60) as stall_days,
       null::varchar as root_id
