-- grain: one row: which team and as-of date (and settings) the funnel temp tables describe.
create or replace temp table funnel_scope as select $scope_key::varchar as scope_key
