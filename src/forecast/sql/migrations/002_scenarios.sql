-- Schema version 2: saved what-if scenarios.
-- grain: one row per save. Append-only: saving again under the same name adds the next
-- version; the latest version is the scenario's current levers. period_id, team_id and
-- as_of_date record where the scenario was made; it can be applied to any team and period.
create sequence whatif_scenario_seq;
create table whatif_scenarios (
    scenario_id bigint primary key default nextval('whatif_scenario_seq'),
    name varchar not null,
    version integer not null,
    levers varchar not null,        -- JSON, forecast.whatif.levers.Levers
    note varchar,
    period_id varchar,
    team_id varchar,
    as_of_date date,
    saved_by varchar not null,
    saved_at timestamp not null,
    unique (name, version)
);
