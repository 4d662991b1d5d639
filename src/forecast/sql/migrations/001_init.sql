-- Schema version 1: the whole store.
-- Append-only tables (history, submissions, adjustments, reporting lines, quotas) are never
-- updated in place: a change is a new row with a later effective date or timestamp.

create table settings (
    key varchar primary key,
    value varchar not null
);

create table people (
    person_id varchar primary key,
    name varchar not null,
    email varchar,
    title varchar
);

-- grain: one row per change of a person's manager; the line as of D is the latest row
-- with effective_date <= D. manager_id null = top of the tree; is_active false = left.
create table reporting_lines (
    person_id varchar not null,
    manager_id varchar,
    effective_date date not null,
    is_active boolean not null default true,
    recorded_at timestamp not null default current_timestamp,
    primary key (person_id, effective_date)
);

create table stages (
    stage_name varchar primary key,
    stage_order integer not null,
    probability double not null,
    forecast_category varchar not null,
    is_closed boolean not null,
    is_won boolean not null
);

create table currency_rates (
    currency varchar not null,
    rate_to_reporting double not null,
    effective_date date not null,
    primary key (currency, effective_date)
);

-- grain: one row per deal, its latest known state. Amounts in the reporting currency;
-- amount_original in the deal's own currency.
create table opportunities (
    opportunity_id varchar primary key,
    opportunity_name varchar,
    account_name varchar,
    owner_id varchar not null,
    amount double not null,
    amount_original double,
    currency varchar,
    stage_name varchar not null,
    probability double,
    forecast_category varchar,
    close_date date,
    created_date date,
    deal_type varchar,            -- 'new' (hunter) or 'existing' (farmer)
    lead_source varchar,
    segment varchar,
    is_closed boolean not null,
    is_won boolean not null,
    stage_entered_date date,
    close_date_pushes integer not null default 0,
    updated_at timestamp not null default current_timestamp,
    import_id varchar
);

-- grain: one row per snapshot date and open deal (plus deals closed since the previous
-- snapshot, so a closing is visible in the week it happened). Append-only.
create table opportunity_snapshots (
    snapshot_date date not null,
    opportunity_id varchar not null,
    owner_id varchar not null,
    amount double not null,
    stage_name varchar not null,
    probability double,
    forecast_category varchar,
    close_date date,
    is_closed boolean not null,
    is_won boolean not null,
    primary key (snapshot_date, opportunity_id)
);

create table snapshots (
    snapshot_date date primary key,
    taken_at timestamp not null default current_timestamp,
    source varchar not null,
    deal_count integer not null
);

-- grain: one row per deal and stage entry (a deal going back a stage enters it again).
create table stage_events (
    opportunity_id varchar not null,
    stage_name varchar not null,
    entered_at timestamp not null,
    primary key (opportunity_id, entered_at, stage_name)
);

create table fiscal_periods (
    period_id varchar primary key,  -- '2026', '2026-Q4', '2026-M11' (fiscal year named by its end)
    period_type varchar not null,   -- 'year' | 'quarter' | 'month'
    fiscal_year integer not null,
    fiscal_quarter integer,
    fiscal_month integer,
    start_date date not null,
    end_date date not null          -- inclusive
);

-- grain: one row per person, period and change of quota; quota as of D = latest row with
-- effective_date <= D.
create table quotas (
    person_id varchar not null,
    period_id varchar not null,
    amount double not null,
    effective_date date not null,
    primary key (person_id, period_id, effective_date)
);

create table leads (
    lead_id varchar primary key,
    lead_name varchar,
    company varchar,
    source varchar,
    segment varchar,
    deal_type varchar,
    owner_id varchar,
    created_at timestamp not null,
    mql_at timestamp,
    srl_at timestamp,
    sql_at timestamp,
    disqualified_at timestamp,
    disqualified_reason varchar,
    converted_at timestamp,
    opportunity_id varchar,
    first_response_at timestamp,
    first_response_minutes double,
    demo_booked_at timestamp,
    demo_no_show boolean,
    touches integer
);

create sequence submission_seq;
create table submissions (
    submission_id bigint primary key default nextval('submission_seq'),
    person_id varchar not null,
    period_id varchar not null,
    commit_amount double not null,
    best_case_amount double not null,
    note varchar,
    submitted_at timestamp not null,
    entered_by varchar not null
);

create sequence adjustment_seq;
create table adjustments (
    adjustment_id bigint primary key default nextval('adjustment_seq'),
    manager_id varchar not null,
    person_id varchar not null,
    period_id varchar not null,
    commit_amount double not null,
    best_case_amount double not null,
    note varchar,
    adjusted_at timestamp not null,
    entered_by varchar not null
);

create table imports (
    import_id varchar primary key,
    started_at timestamp not null,
    finished_at timestamp,
    source_file varchar not null,
    file_sha256 varchar,
    format varchar not null,
    rows_in integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null,
    status varchar not null,        -- 'loaded' | 'loaded_with_rejects' | 'failed' | 'unchanged'
    message varchar,
    assumptions varchar             -- JSON list of what the import had to assume
);

create table import_rejects (
    import_id varchar not null,
    source_file varchar not null,
    line_number integer not null,
    column_name varchar,
    value varchar,
    reason varchar not null,
    raw_row varchar
);
