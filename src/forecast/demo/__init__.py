"""A seeded, believable demo company written into the store.

`build_demo(con)` makes a sales organisation (CRO -> VPs -> directors -> managers -> reps, with
player-coach team leads, moves, leavers and hires), its deals with weekly snapshots and stage
history, quotas, inbound leads, weekly forecast calls and managers' adjustments. The same seed
gives the same store on every machine: all randomness comes from one
`numpy.random.default_rng(seed)` and every timestamp is derived from `today`.

How the pieces are made is described in each module: `org` (people), `leads` (funnel),
`deals` (deal lives, snapshots), `targets` (quotas, calls, adjustments), `store` (writing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from forecast import append_only, asof, db
from forecast.calendar import rebuild_fiscal_periods
from forecast.demo import clock, deals, leads, names, org, store, targets

__all__ = ["DemoError", "DemoSummary", "build_demo"]

REPORTING_CURRENCY = "USD"
LEAD_DEAL_SHARE = 0.3  # share of deals that come from converted inbound leads
MAX_DEALS = 9_999_999  # opportunity ids are OPP-0000001 .. OPP-9999999

Progress = Callable[[float, str], None]


class DemoError(ValueError):
    """The demo cannot be built as asked; the message says why."""


@dataclass(frozen=True)
class DemoSummary:
    people: int
    deals: int
    snapshots: int        # snapshot dates (weekly, Fridays)
    snapshot_rows: int    # rows in opportunity_snapshots
    stage_events: int
    leads: int
    submissions: int
    adjustments: int
    quotas: int


def build_demo(
    con: duckdb.DuckDBPyConnection,
    *,
    seed: int = 7,
    reps: int = 120,
    quarters: int = 9,
    today: date = date(2026, 11, 20),
    deals_per_rep_per_quarter: float = 25.0,
    lead_deal_share: float = LEAD_DEAL_SHARE,
    progress: Progress | None = None,
    replace: bool = False,
) -> DemoSummary:
    """Write the demo company into `con` in one transaction and say how much was written.

    Deals scale with `reps` x `quarters` x `deals_per_rep_per_quarter`, plus two warm-up
    quarters before the history so that the first snapshot already sees a steady pipeline
    (an Enterprise deal takes about four months). `lead_deal_share` of the deals come from
    inbound leads (each lead becomes a deal about one time in eight). The store must hold no
    people or deals
    unless `replace` is true, which first empties every data table (settings are kept).
    `progress(fraction, message)` is called as the build goes on, if given.
    """
    _check(con, reps=reps, quarters=quarters, per_quarter=deals_per_rep_per_quarter,
           replace=replace)
    report = progress or (lambda fraction, message: None)
    rng = np.random.default_rng(seed)
    tl = clock.build_timeline(today, quarters)

    report(0.02, "Hiring the sales team")
    people = org.build_org(rng, reps, tl)
    per_rep_day = deals_per_rep_per_quarter / 91
    accounts = names.account_names(
        rng, max(300, int(reps * deals_per_rep_per_quarter * (quarters + 1) / 4)))

    report(0.08, "Generating inbound leads")
    lead_rate = per_rep_day * lead_deal_share / leads.expected_deals_per_lead()
    funnel = leads.build_leads(rng, people, tl, lead_rate, deals.SEGMENT_DEAL_FACTOR,
                               len(accounts))

    report(0.15, "Simulating every deal's history")
    seeds = deals.Seeds.concat(
        deals.direct_seeds(rng, people, tl, per_rep_day * (1 - lead_deal_share), len(accounts)),
        deals.lead_seeds(people, funnel),
    )
    seeds = seeds.take(np.lexsort((rng.random(len(seeds.owner)), seeds.created)))
    if len(seeds.owner) > MAX_DEALS:
        raise DemoError(f"{len(seeds.owner):,} deals is more than the demo can number.")
    from_lead = np.nonzero(seeds.lead >= 0)[0]
    funnel.deal[seeds.lead[from_lead]] = from_lead
    month0 = int(clock.month_index(tl.warm_start))
    rates = deals.currency_rates(rng, int(clock.month_index(tl.today)) - month0 + 1)
    fates = deals.draw_fates(rng, people, seeds, rates, month0)
    history = deals.replay(deals.build_events(rng, people, fates), fates, tl.today)
    snaps = deals.snapshot_rows(history, tl.fridays)

    report(0.45, "Setting quotas and weekly calls")
    rate_now = rates[:, -1]
    won = targets.Won(
        owner=history.final_owner[fates.won],
        day=fates.end[fates.won],
        amount=(history.final_amount * rate_now[fates.currency])[fates.won],
    )
    quotas = targets.build_quotas(rng, people, tl, won)
    calls, adjustments = targets.build_calls(rng, people, tl, won)

    frames = {
        "reporting_lines": _lines_frame(people),
        "currency_rates": _rates_frame(rates, month0),
        "opportunities": _deals_frame(rng, history, fates, rate_now),
        "snapshots": _snapshot_dates_frame(snaps, tl),
        "opportunity_snapshots": _snapshots_frame(history, snaps, fates, tl, rates, month0),
        "stage_events": _stage_events_frame(rng, history),
        "quotas": pd.DataFrame({"person": quotas.person, "quarter": quotas.quarter,
                                "amount": quotas.amount, "day": _days(quotas.effective)}),
        "leads": _leads_frame(funnel),
        "submissions": _calls_frame(calls),
        "adjustments": _adjustments_frame(adjustments),
    }
    report(0.55, "Writing to the store")
    last_day = max(tl.today + 400, int(history.close.max()))
    _write(con, frames, _dimensions(people, accounts, tl), people, tl, last_day,
           replace=replace, report=report)
    report(1.0, "Demo ready")
    return DemoSummary(
        people=people.size,
        deals=len(seeds.owner),
        snapshots=len(tl.fridays),
        snapshot_rows=len(snaps.row),
        stage_events=len(frames["stage_events"]),
        leads=len(funnel),
        submissions=len(frames["submissions"]),
        adjustments=len(frames["adjustments"]),
        quotas=len(frames["quotas"]),
    )


def _write(con, frames: dict[str, pd.DataFrame], dims: dict[str, pd.DataFrame],
           people: org.Org, tl: clock.Timeline, last_day: int, *, replace: bool,
           report: Progress) -> None:
    """Everything in one transaction: on any error the store is left as it was."""
    with db.transaction(con), store.registered(con, dims):
        if replace:
            store.clear(con)
        rebuild_fiscal_periods(
            con, clock.date_of(tl.warm_start), clock.date_of(last_day), start_month=1)
        db.set_setting(con, "reporting_currency", REPORTING_CURRENCY)
        store.insert(con, "people", _people_frame(people))
        store.insert(con, "stages", dims["dim_stage"])
        for i, (table, frame) in enumerate(frames.items()):
            report(0.55 + 0.44 * i / len(frames), f"Writing {table}")
            store.insert(con, table, frame)
        db.set_setting(con, asof.DATA_DATE_SETTING, clock.date_of(tl.today).isoformat())


def _check(con, *, reps: int, quarters: int, per_quarter: float, replace: bool) -> None:
    if reps < 9:
        raise DemoError("The demo needs at least 9 reps (a team of three in each segment).")
    if quarters < 2:
        raise DemoError("The demo needs at least 2 quarters of history.")
    if per_quarter <= 0:
        raise DemoError("deals_per_rep_per_quarter must be positive.")
    if replace:
        _check_no_history(con)
    else:
        found = con.execute(
            "select (select count(*) from people) + (select count(*) from opportunities)"
        ).fetchone()[0]
        if found:
            raise DemoError(
                "The store already has people or deals; build the demo into an empty store "
                "or pass replace=True to empty it first.")


def _check_no_history(con) -> None:
    """Replacing empties the store's tables, and history is never deleted."""
    present = {row[0] for row in con.execute("select table_name from duckdb_tables()"
                                             ).fetchall()}
    held = [table for table in append_only.PROTECTED if table in present
            and con.execute("select exists (select 1 from query_table($t))",
                            {"t": table}).fetchall()[0][0]]
    if held:
        raise append_only.HistoryError(
            f"The store holds history ({', '.join(held)}), which is never deleted, so the "
            "demo cannot replace it: build the demo into a new store (`forecast demo --force` "
            "builds a new file and puts it in place of the old one).")


def _days(days) -> np.ndarray:
    return np.asarray(days).astype(np.int32)


def _dimensions(people: org.Org, accounts: list[str], tl: clock.Timeline) -> dict:
    stage_rows = deals.STAGES
    return {
        "dim_person": store.dimension(people.person_id, "person_id"),
        "dim_stage": store.dimension(
            [s[0] for s in stage_rows], "stage_name",
            stage_order=range(1, len(stage_rows) + 1),
            probability=[s[1] for s in stage_rows],
            forecast_category=[s[2] for s in stage_rows],
            is_closed=[i >= deals.WON for i in range(len(stage_rows))],
            is_won=[i == deals.WON for i in range(len(stage_rows))],
        ),
        "dim_category": store.dimension(deals.CATEGORIES, "category"),
        "dim_currency": store.dimension(deals.CURRENCIES, "currency"),
        "dim_source": store.dimension(deals.SOURCES, "source"),
        "dim_segment": store.dimension(org.SEGMENTS, "segment"),
        "dim_account": store.dimension(accounts, "account_name"),
        "dim_product": store.dimension(deals.PRODUCTS, "product"),
        "dim_period": store.dimension([q.period_id for q in tl.quarters], "period_id"),
        "dim_first_name": store.dimension(names.FIRST_NAMES, "first_name"),
        "dim_last_name": store.dimension(names.LAST_NAMES, "last_name"),
        "dim_reason": store.dimension(leads.REASONS, "reason"),
        "dim_call_note": store.dimension(names.CALL_NOTES + (names.REVISION_NOTE,), "note"),
        "dim_adjustment_note": store.dimension(names.ADJUSTMENT_NOTES, "note"),
    }


def _people_frame(people: org.Org) -> pd.DataFrame:
    return pd.DataFrame({"person_id": people.person_id, "name": people.name,
                         "email": people.email, "title": people.title})


def _lines_frame(people: org.Org) -> pd.DataFrame:
    return pd.DataFrame({
        "person": people.line_person, "manager": people.line_manager,
        "day": _days(people.line_day), "is_active": people.line_active,
    })


def _rates_frame(rates: np.ndarray, month0: int) -> pd.DataFrame:
    months = np.arange(rates.shape[1]) + month0
    usd = pd.DataFrame({"currency": [0], "rate": [1.0],
                        "day": _days(clock.month_start_day(months[:1]))})
    others = pd.DataFrame({
        "currency": np.repeat([1, 2], len(months)),
        "rate": np.concatenate([rates[1], rates[2]]),
        "day": _days(np.tile(clock.month_start_day(months), 2)),
    })
    return pd.concat([usd, others], ignore_index=True)


def _time_of_day(rng, n: int, first_hour: int = 8, hours: int = 10) -> np.ndarray:
    """Whole minutes between first_hour and first_hour + hours, as a fraction of a day."""
    return (first_hour * 60 + rng.integers(0, hours * 60, n)) / 1440


def _deals_frame(rng, r: deals.Replay, f: deals.Fates, rate_now: np.ndarray) -> pd.DataFrame:
    last = np.nonzero(np.r_[r.deal[1:] != r.deal[:-1], True])[0]
    change = np.r_[True, (r.deal[1:] != r.deal[:-1]) | (r.stage[1:] != r.stage[:-1])]
    stage_row = np.zeros(len(last), np.int64)
    np.maximum.at(stage_row, r.deal[change], np.nonzero(change)[0])
    s = f.seeds
    amount = r.amount[last]
    return pd.DataFrame({
        "deal": np.arange(len(last)), "account": s.account, "product": f.product,
        "owner": r.owner[last], "amount": np.round(amount * rate_now[f.currency], 2),
        "amount_original": amount, "currency": f.currency, "stage": r.stage[last],
        "category": r.category[last], "close_day": _days(r.close[last]),
        "created_day": _days(s.created), "existing": s.existing, "source": s.source,
        "segment": s.segment, "stage_day": _days(r.day[stage_row]),
        "pushes": r.pushes[last].astype(np.int32),
        "updated_at": clock.stamps(r.day[last] + _time_of_day(rng, len(last))),
    })


def _snapshot_dates_frame(snaps: deals.Snapshots, tl: clock.Timeline) -> pd.DataFrame:
    return pd.DataFrame({
        "day": _days(tl.fridays),
        "deal_count": np.bincount(snaps.friday, minlength=len(tl.fridays)).astype(np.int32),
    })


def _snapshots_frame(r: deals.Replay, snaps: deals.Snapshots, f: deals.Fates,
                     tl: clock.Timeline, rates: np.ndarray, month0: int) -> pd.DataFrame:
    row, day = snaps.row, tl.fridays[snaps.friday]
    deal = r.deal[row]
    rate = rates[f.currency[deal], clock.month_index(day) - month0]
    return pd.DataFrame({
        "day": _days(day), "deal": deal, "owner": r.owner[row],
        "amount": np.round(r.amount[row] * rate, 2), "stage": r.stage[row],
        "category": r.category[row], "close_day": _days(r.close[row]),
    })


def _stage_events_frame(rng, r: deals.Replay) -> pd.DataFrame:
    change = np.nonzero(np.r_[True, (r.deal[1:] != r.deal[:-1]) | (r.stage[1:] != r.stage[:-1])])[0]
    return pd.DataFrame({
        "deal": r.deal[change], "stage": r.stage[change],
        "entered_at": clock.stamps(r.day[change] + _time_of_day(rng, len(change))),
    })


def _leads_frame(x: leads.Leads) -> pd.DataFrame:
    return pd.DataFrame({
        "lead": np.arange(len(x)), "first_name": x.first_name, "last_name": x.last_name,
        "account": x.account, "source": x.source, "segment": x.segment, "existing": x.existing,
        "owner": x.owner, "created_at": clock.stamps(x.created), "mql_at": clock.stamps(x.mql),
        "srl_at": clock.stamps(x.srl), "sql_at": clock.stamps(x.sql),
        "disqualified_at": clock.stamps(x.disqualified), "reason": x.reason,
        "converted_at": clock.stamps(x.converted), "deal": x.deal,
        "first_response_at": clock.stamps(x.first_response), "minutes": x.minutes,
        "demo_at": clock.stamps(x.demo), "no_show": x.no_show, "touches": x.touches,
    })


def _calls_frame(c: targets.Calls) -> pd.DataFrame:
    return pd.DataFrame({
        "person": c.person, "quarter": c.quarter, "commit_amount": c.commit,
        "best_case_amount": c.best_case, "note": c.note,
        "submitted_at": clock.stamps(c.submitted_at),
    })


def _adjustments_frame(a: targets.Adjustments) -> pd.DataFrame:
    return pd.DataFrame({
        "manager": a.manager, "person": a.person, "quarter": a.quarter,
        "commit_amount": a.commit, "best_case_amount": a.best_case, "note": a.note,
        "adjusted_at": clock.stamps(a.adjusted_at),
    })
