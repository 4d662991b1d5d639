-- grain: one row per split grain (dim, dim_value as in derived_funnel_step_months), owner,
-- deal type and step or exit: over every journey that reached it by the as-of date, dated or
-- not: reached_count, dated_count (with a date), and the resolved / won sums behind the
-- downstream value of an entrant (funnel_downstream.sql, funnel_catalog_counts.sql).
create or replace table derived_funnel_step_totals as
select dim, dim_value, owner_id, deal_type, step_key,
       sum(entrants_any) as reached_count,
       sum(entrants_any) filter (where month is not null) as dated_count,
       sum(resolved_any) as resolved_any,
       sum(resolved_strict) as resolved_strict,
       sum(won_any_usd) as won_any_usd,
       sum(won_strict_usd) as won_strict_usd
from derived_funnel_step_months
where view = 'period'
group by all
order by dim
