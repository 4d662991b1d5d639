-- grain: one row per owner at t0 and t1, close month at t0 and t1, category at t0 and t1, and
-- the flags the bridge's precedence reads (in the data at t0 / t1, closed at t0 / t1, won at
-- t1, open in an open category at t0 / t1, sign of the amount change), for the default
-- comparison of the Forecast page: t0 = the last weekly snapshot before the week of the data
-- date (forecast.movement.default_comparison), t1 = the live deals. Only deals open in an
-- open category (Pipeline, Best Case, Commit) at t0 or at t1 are counted: no other deal can
-- be in a Start or End set, whatever the team and period. Amounts in whole cents, each deal
-- rounded once, with every signed part a bar needs, so that movement_cells_derived.sql adds
-- up exactly what movement_cells.sql adds up deal by deal. Fiscal periods are whole months,
-- so the close month answers every period's "close date in P" and "after P" exactly.
create or replace table derived_movement_pairs as
with data_day as (
    select coalesce(
        (select max(value)::date from settings where key = 'data_as_of'),
        (select max(snapshot_date) from snapshots),
        current_date) as day
),
pair as (
    select max(s.snapshot_date) as snapshot_date
    from snapshots s, data_day d
    where s.snapshot_date < date_trunc('week', d.day)
),
-- deal_states(t0): the snapshot's rows and the deals closed by then that it does not hold
raw_t0 as (
    select s.opportunity_id, s.owner_id, s.amount, s.stage_name, s.forecast_category,
           s.close_date, s.is_closed, s.is_won
    from opportunity_snapshots s
    join pair p on s.snapshot_date = p.snapshot_date
    union all
    select o.opportunity_id, o.owner_id, o.amount, o.stage_name, o.forecast_category,
           o.close_date, o.is_closed, o.is_won
    from opportunities o, pair p
    where o.is_closed and o.close_date <= p.snapshot_date
      and coalesce(o.created_date, o.close_date) <= p.snapshot_date
      and not exists (
          select 1 from opportunity_snapshots s
          where s.snapshot_date = p.snapshot_date and s.opportunity_id = o.opportunity_id)
),
state_t0 as (
    select s.opportunity_id, s.owner_id, s.close_date, s.is_closed, s.is_won,
           round(s.amount * 100)::bigint as cents,
           deal_category(s.is_won, s.is_closed, s.forecast_category, st.forecast_category)
               as category
    from raw_t0 s
    left join stages st using (stage_name)
),
state_t1 as (
    select o.opportunity_id, o.owner_id, o.close_date, o.is_closed, o.is_won,
           round(o.amount * 100)::bigint as cents,
           deal_category(o.is_won, o.is_closed, o.forecast_category, st.forecast_category)
               as category
    from opportunities o
    left join stages st using (stage_name)
),
paired as (
    select a.opportunity_id is not null as has_t0,
           b.opportunity_id is not null as has_t1,
           coalesce(not a.is_closed and a.category in ('Pipeline', 'Best Case', 'Commit'),
                    false) as is_open_t0,
           coalesce(not b.is_closed and b.category in ('Pipeline', 'Best Case', 'Commit'),
                    false) as is_open_t1,
           a.owner_id as owner_id_t0, b.owner_id as owner_id_t1,
           date_trunc('month', a.close_date)::date as close_month_t0,
           date_trunc('month', b.close_date)::date as close_month_t1,
           a.category as category_t0, b.category as category_t1,
           a.is_closed as is_closed_t0, b.is_closed as is_closed_t1, b.is_won as is_won_t1,
           a.cents as cents_t0, b.cents as cents_t1
    from state_t0 a
    full join state_t1 b using (opportunity_id)
),
final as (
    select (select snapshot_date from pair) as snapshot_date,
           owner_id_t0, owner_id_t1, close_month_t0, close_month_t1,
           category_t0, category_t1, has_t0, has_t1, is_open_t0, is_open_t1,
           is_closed_t0, is_closed_t1, is_won_t1,
           sign(cents_t1 - cents_t0) as change_sign,
           count(*) as deal_count,
           sum(cents_t0)::bigint as cents_t0,
           sum(cents_t1)::bigint as cents_t1,
           sum(cents_t1 - cents_t0)::bigint as change_cents,
           sum(greatest(cents_t1 - cents_t0, 0))::bigint as up_cents,
           sum(greatest(cents_t0 - cents_t1, 0))::bigint as down_cents,
           sum(greatest(cents_t0, 0))::bigint as positive_t0_cents,
           sum(greatest(-cents_t0, 0))::bigint as negative_t0_cents,
           sum(greatest(cents_t1, 0))::bigint as positive_t1_cents,
           sum(greatest(-cents_t1, 0))::bigint as negative_t1_cents
    from paired
    where is_open_t0 or is_open_t1
    group by all
)
select * from final
