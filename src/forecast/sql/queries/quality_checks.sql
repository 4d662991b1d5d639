-- grain: one row per data-quality check on the live deals, with the deals and value it
-- concerns. $as_of dates "overdue" and the reporting lines used.
with deals as (
    select * from deal_states(null)
),
active as (
    select person_id from lines_as_of($as_of) where is_active
),
checks as (
    select 1 as check_order, 'Open deals with a close date in the past' as check_name,
           'Overdue: the close date should be moved or the deal closed.' as explanation,
           count(*) as deals, sum(amount) as amount
    from deals where not is_closed and close_date < $as_of
    union all
    select 2, 'Open deals with no close date',
           'They fall in no period, so no forecast counts them.', count(*), sum(amount)
    from deals where not is_closed and close_date is null
    union all
    select 3, 'Deals with a zero amount',
           'They count as deals but add no value.', count(*), sum(amount)
    from deals where amount = 0
    union all
    select 4, 'Deals owned by someone outside the active hierarchy',
           'They roll up to no team.', count(*), sum(amount)
    from deals where owner_id not in (select person_id from active)
    union all
    select 5, 'Rep category differs from the stage default',
           'The rep judged the deal differently from what its stage says.', count(*), sum(amount)
    from deals
    where not is_closed and forecast_category is not null
      and stage_category is not null and forecast_category <> stage_category
    union all
    select 6, 'In Commit at an early stage',
           'Committed deals below 50 % stage probability are a risk.', count(*), sum(d.amount)
    from deals d join stages s using (stage_name)
    where not d.is_closed and d.category = 'Commit' and s.probability < 50
    union all
    select 7, 'Deals at a stage missing from the stage table',
           'Their probability and default category are unknown.', count(*), sum(amount)
    from deals where stage_name not in (select stage_name from stages)
)
select check_name, deals, coalesce(amount, 0) as amount, explanation
from checks
order by check_order
