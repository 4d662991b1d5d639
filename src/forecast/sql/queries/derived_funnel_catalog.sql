-- grain: one row per funnel step the store holds as of the as-of date (derived_funnel_params),
-- in funnel order; the same for every team so that strict counts compare across teams.
--   'mql', 'srl', 'sql': some lead has that timestamp; 'opportunity': some deal exists;
--   'stage:<name>': an open stage some deal is in now or that stage history records;
--   'won': some deal is won.
-- is_required: the step is on the strict chain: at least half of the records that got past
-- it (reached a step before it and a step after it) passed through it. A step most records
-- bypass is a side step: shown with its counts, but not required and not a transition. E.g.
-- an outbound-only Prospecting stage that inbound deals skip, or a stage the data knows only
-- as deals' current stage (no stage history: nobody is known to have passed through it).
-- A step nobody got past (the first, the last) is on the chain.
-- The strict chain is at most 64 steps long (one bit each, see `final`); so is the funnel
-- (any_bit: one bit per step, for each journey's mask of the steps it reached).
-- prev_key: the required step before this one (null for the first).
create or replace table derived_funnel_catalog as
with params as (
    select (as_of_date + interval 1 day)::timestamp as cut_at from derived_funnel_params
),
open_stages as (
    select stage_name, 10 + dense_rank() over (order by stage_order, stage_name) as step_order
    from stages
    where not is_closed
),
lead_flags as (
    select coalesce(l.mql_at < p.cut_at, false) as m,
           coalesce(l.srl_at < p.cut_at, false) as r,
           coalesce(l.sql_at < p.cut_at, false) as q,
           l.opportunity_id is not null and coalesce(l.converted_at < p.cut_at, true) as o
    from leads l, params p
    where l.created_at < p.cut_at
),
lead_steps as (
    select 'mql' as step_key, 1 as step_order, 0 as got_past, 0 as passed
    from lead_flags having count(*) filter (where m) > 0
    union all
    select 'srl', 2, count(*) filter (where m and (q or o)),
           count(*) filter (where m and (q or o) and r)
    from lead_flags having count(*) filter (where r) > 0
    union all
    select 'sql', 3, count(*) filter (where (m or r) and o),
           count(*) filter (where (m or r) and o and q)
    from lead_flags having count(*) filter (where q) > 0
),
deal_marks as (
    -- the open stages each deal is known to have been in, and 1000 for a win
    select distinct e.opportunity_id, os.step_order
    from stage_events e
    join open_stages os using (stage_name)
    cross join params p
    where e.entered_at < p.cut_at
    union
    select o.opportunity_id, os.step_order
    from opportunities o
    join open_stages os using (stage_name)
    union
    select opportunity_id, 1000
    from opportunities, params p
    where is_won and close_date::timestamp < p.cut_at
),
deal_last as (
    select opportunity_id, max(step_order) as last_order from deal_marks group by all
),
got_past as (
    select os.step_order, count(*) as got_past
    from open_stages os
    join deal_last d on d.last_order > os.step_order
    group by all
),
passed as (
    select m.step_order, count(*) as passed
    from deal_marks m
    join deal_last d using (opportunity_id)
    where d.last_order > m.step_order
    group by all
),
stage_steps as (
    select 'stage:' || os.stage_name as step_key, os.step_order,
           coalesce(g.got_past, 0) as got_past, coalesce(x.passed, 0) as passed
    from open_stages os
    left join got_past g using (step_order)
    left join passed x using (step_order)
    where exists (select 1 from deal_marks m where m.step_order = os.step_order)
),
steps as (
    select * from lead_steps
    union all
    select 'opportunity', 4, 0, 0 where exists (select 1 from opportunities)
    union all
    select * from stage_steps
    union all
    select 'won', 1000, 0, 0
    from params p
    where exists (select 1 from opportunities
                  where is_won and close_date::timestamp < p.cut_at)
),
ranked as (
    select *,
           got_past = 0 or passed >= 0.5 * got_past as is_required,
           step_order between 10 and 999 as is_stage
    from steps
),
final as (
    -- bit: this required step's place in the strict chain; prefix_mask: the required steps
    -- before it
    select * exclude (step_number, last_required_order),
           if(is_required, 1::ubigint << required_before, 0::ubigint) as bit,
           (1::ubigint << required_before) - 1 as prefix_mask,
           1::ubigint << step_number as any_bit,
           (select r.step_key from ranked r
            where r.is_required and r.step_order = last_required_order) as prev_key
    from (
        select *,
               coalesce(count(*) filter (where is_required) over (
                   order by step_order rows between unbounded preceding and 1 preceding), 0)
                   as required_before,
               (row_number() over (order by step_order) - 1)::integer as step_number,
               max(step_order) filter (where is_required) over (
                   order by step_order rows between unbounded preceding and 1 preceding)
                   as last_required_order
        from ranked
    )
)
select * from final
order by step_order
