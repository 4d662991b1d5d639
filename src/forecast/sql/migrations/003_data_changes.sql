-- Schema version 3: a row per committed write, so readers can tell which state of the data
-- a cached result was computed from (forecast.db.data_version).
-- grain: one row per write transaction (forecast.db.transaction).
create table data_changes (
    changed_at timestamp not null default current_timestamp
);
