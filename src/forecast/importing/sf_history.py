"""Salesforce OpportunityHistory -> weekly snapshots (Fridays) and stage events.

Each history row is the state of a deal from its CreatedDate on. For every Friday from the
deal's first history row to the as-of date, the deal's state at the end of that Friday is
its latest row on or before it. The snapshot of a Friday holds the deals open then, plus
those that closed during the week ending that Friday (the rule the live snapshots follow).
Snapshots are append-only: a Friday that already has a row for a deal keeps it.

The deals must be loaded first (the history has no owner): rows of unknown deals are
rejected. Amounts are in the deal's currency; a deal stored in another currency is converted
with the ratio of its stored amounts. Blank Amount / CloseDate carry the deal's previous value.
Stage changes become stage events; an event an earlier plain export guessed (the date the deal
was first seen in a stage the history shows it entered earlier) is replaced by the real one.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecast.importing import load, validate
from forecast.importing.context import Context
from forecast.importing.model import fmt

FRIDAY = 4  # date.weekday()


def friday_on_or_after(day: date) -> date:
    return day + timedelta(days=(FRIDAY - day.weekday()) % 7)


def friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - FRIDAY) % 7)


def run(ctx: Context) -> str:
    ctx.progress(0.2, "Checking history rows")
    events = _parse(ctx)
    ctx.finish_notes()
    events = events[ctx.accepted]
    if events.empty:
        return ""
    ctx.progress(0.5, "Rebuilding weekly snapshots")
    events = _carry_forward(events.sort_values(["opportunity_id", "created_at"],
                                               kind="stable"))
    deals = _deal_info(ctx, events)
    snapshot = _weekly_states(ctx, events, deals)
    days = sorted(snapshot["snapshot_date"].dt.date.unique()) if len(snapshot) else []
    added = _insert_snapshot_rows(ctx, snapshot)
    load.touch_snapshots(ctx.con, days, "salesforce_history")
    changes = _stage_changes(events)[["opportunity_id", "stage_name", "entered_at"]]
    new_events = load.insert_stage_events(ctx.con, changes)
    _drop_superseded_events(ctx, changes)
    _update_deals(ctx, events, changes)
    span = f" ({days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d})" if days else ""
    if not days:
        ctx.note(f"no Friday falls between the history's first date and the as-of date "
                 f"{ctx.as_of:%Y-%m-%d}: no weekly snapshot was built")
    return (f"rebuilt {len(days):,} weekly snapshots{span} for "
            f"{events['opportunity_id'].nunique():,} deals, adding {added:,} snapshot rows "
            f"and {new_events:,} stage changes")


def _parse(ctx: Context) -> pd.DataFrame:
    ids = ctx.get("opportunity_id")
    ctx.reject(ids.eq("").to_numpy(), "opportunity_id", "", "missing opportunity id")
    known = set(load.frame(ctx.con, "select opportunity_id from opportunities")
                ["opportunity_id"])
    ctx.reject((ids.ne("") & ~ids.isin(known)).to_numpy(), "opportunity_id", ids, fmt(
        "opportunity '{v}' is not in the store: import the opportunities first", v=ids))
    created_raw = ctx.get("created_at")
    created, bad, _ = validate.parse_dates(created_raw)
    ctx.reject(bad, "created_at", created_raw, "CreatedDate is not a date")
    ctx.reject(created_raw.eq("").to_numpy(), "created_at", "", "missing CreatedDate")
    amount, bad = validate.parse_number(ctx.get_or_blank("amount"))
    ctx.reject(bad, "amount", ctx.get_or_blank("amount"), "amount is not a number")
    ctx.reject((amount < 0).to_numpy(), "amount", ctx.get_or_blank("amount"),
               "amount is negative")
    close, bad, _ = validate.parse_dates(ctx.get_or_blank("close_date"))
    ctx.reject(bad, "close_date", ctx.get_or_blank("close_date"),
               "CloseDate is not a date; use YYYY-MM-DD")
    probability, bad = validate.parse_number(ctx.get_or_blank("probability"))
    ctx.reject(bad, "probability", ctx.get_or_blank("probability"),
               "probability is not a number")
    category, bad, most_likely = validate.parse_category(ctx.get_or_blank("forecast_category"))
    ctx.reject(bad, "forecast_category", ctx.get_or_blank("forecast_category"),
               "unknown forecast category")
    if most_likely:
        ctx.note(validate.MOST_LIKELY_NOTE)
    stage, closed, won = _stages(ctx)
    return pd.DataFrame({"opportunity_id": ids, "created_at": created, "stage_name": stage,
                         "amount": amount, "close_date": validate.to_date(close),
                         "probability": probability, "forecast_category": category,
                         "is_closed": closed, "is_won": won})


def _stages(ctx: Context) -> tuple[pd.Series, pd.Series, pd.Series]:
    raw = ctx.get("stage_name")
    ctx.reject(raw.eq("").to_numpy(), "stage_name", "", "missing stage")
    mapping = {k.strip().lower(): v for k, v in ctx.stage_mapping.items()}
    wanted = raw.str.lower().map(mapping).fillna(raw).astype("str") if mapping else raw
    table = load.stages(ctx.con).set_index("stage_name")
    lookup = {n.lower(): n for n in table.index}
    resolved = wanted.str.lower().map(lookup)
    unknown = (resolved.isna() & wanted.ne("")).to_numpy()
    if unknown.any():
        ctx.reject(unknown, "stage_name", wanted, fmt("unknown stage '{v}'", v=wanted))
        ctx.unknown_stages.extend(sorted(set(wanted[unknown])))
    return (resolved.astype(object), resolved.map(table["is_closed"]).eq(True),
            resolved.map(table["is_won"]).eq(True))


def _carry_forward(events: pd.DataFrame) -> pd.DataFrame:
    grouped = events.groupby("opportunity_id", sort=False)
    return events.assign(amount=grouped["amount"].ffill(),
                         close_date=grouped["close_date"].ffill())


def _deal_info(ctx: Context, events: pd.DataFrame) -> pd.DataFrame:
    reporting = load.reporting_currency(ctx.con)
    info = load.frame(ctx.con, """
        select opportunity_id, owner_id, amount, amount_original, currency
        from opportunities""").set_index("opportunity_id")
    info = info.loc[info.index.intersection(events["opportunity_id"].unique())]
    foreign = info["currency"].fillna(reporting).ne(reporting) & info["amount_original"].gt(0)
    info["ratio"] = np.where(foreign, info["amount"] / info["amount_original"], 1.0)
    if foreign.any():
        ctx.note(f"history amounts of deals in other currencies were converted to {reporting} "
                 "with the rate of their current amount")
    return info


def _weekly_states(ctx: Context, events: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """One row per deal and Friday it should appear on, with its state then."""
    last_friday = pd.Timestamp(friday_on_or_before(ctx.as_of))
    first = events.groupby("opportunity_id")["created_at"].min().dt.normalize()
    start = first + pd.to_timedelta((FRIDAY - first.dt.day_of_week) % 7, unit="D")
    start = start[start <= last_friday]
    if start.empty:
        return pd.DataFrame(columns=["snapshot_date"])
    weeks = ((last_friday - start).dt.days // 7 + 1).to_numpy()
    grid = pd.DataFrame({
        "opportunity_id": np.repeat(start.index.to_numpy(), weeks),
        "snapshot_date": np.repeat(start.to_numpy(), weeks)
        + pd.to_timedelta(np.concatenate([np.arange(n) for n in weeks]) * 7, unit="D"),
    })
    grid["cutoff"] = grid["snapshot_date"] + pd.Timedelta(days=1)
    states = pd.merge_asof(
        grid.sort_values("cutoff"), events.sort_values("created_at"),
        left_on="cutoff", right_on="created_at", by="opportunity_id", direction="backward",
        allow_exact_matches=False)
    week_start = states["snapshot_date"] - pd.Timedelta(days=6)
    keep = ~states["is_closed"].astype(bool) | (states["created_at"] >= week_start)
    states = states[keep & states["stage_name"].notna()].copy()
    states["owner_id"] = states["opportunity_id"].map(deals["owner_id"])
    states["amount"] = (states["amount"].fillna(0.0)
                        * states["opportunity_id"].map(deals["ratio"]).fillna(1.0))
    return states


def _insert_snapshot_rows(ctx: Context, states: pd.DataFrame) -> int:
    if states.empty:
        return 0
    rows = states.assign(snapshot_date=states["snapshot_date"].dt.date)[
        ["snapshot_date", "opportunity_id", "owner_id", "amount", "stage_name", "probability",
         "forecast_category", "close_date", "is_closed", "is_won"]]
    with load.registered(ctx.con, "incoming_states", rows):
        return int(load.rows(ctx.con, """
            insert into opportunity_snapshots (snapshot_date, opportunity_id, owner_id, amount,
                stage_name, probability, forecast_category, close_date, is_closed, is_won)
            select snapshot_date, opportunity_id, owner_id, amount, stage_name, probability,
                   forecast_category, close_date, is_closed, is_won
            from incoming_states i
            where not exists (select 1 from opportunity_snapshots s
                              where s.snapshot_date = i.snapshot_date
                                and s.opportunity_id = i.opportunity_id)""")[0][0])


def _stage_changes(events: pd.DataFrame) -> pd.DataFrame:
    previous = events.groupby("opportunity_id", sort=False)["stage_name"].shift()
    changed = events[previous.isna() | previous.ne(events["stage_name"])]
    return changed.rename(columns={"created_at": "entered_at"})


def _drop_superseded_events(ctx: Context, changes: pd.DataFrame) -> None:
    """A deal first seen in a plain export got a stage event dated when it was first seen
    (a guess). Where the history shows the deal had entered that stage earlier, with no
    change in between, the guess is wrong: it is removed."""
    with load.registered(ctx.con, "history_changes", changes):
        load.rows(ctx.con, """
            delete from stage_events e
            where exists (
                select 1 from history_changes h
                where h.opportunity_id = e.opportunity_id and h.stage_name = e.stage_name
                  and h.entered_at < e.entered_at
                  and not exists (
                      select 1 from history_changes later
                      where later.opportunity_id = e.opportunity_id
                        and later.entered_at > h.entered_at
                        and later.entered_at <= e.entered_at))""")


def _update_deals(ctx: Context, events: pd.DataFrame, changes: pd.DataFrame) -> None:
    """close_date_pushes from the history (never lowered) and the date the deal entered its
    current stage."""
    previous_close = events.groupby("opportunity_id", sort=False)["close_date"].shift()
    pushed = (events["close_date"] > previous_close).groupby(events["opportunity_id"]).sum()
    last = changes.groupby("opportunity_id").tail(1).set_index("opportunity_id")
    summary = pd.DataFrame({"pushes": pushed.astype("int64")})
    summary["last_stage"] = last["stage_name"]
    summary["entered"] = last["entered_at"].dt.date
    summary = summary.reset_index(names="opportunity_id")
    with load.registered(ctx.con, "history_summary", summary):
        load.rows(ctx.con, """
            update opportunities o set
                close_date_pushes = greatest(o.close_date_pushes, h.pushes),
                stage_entered_date = case when o.stage_name = h.last_stage then h.entered
                                          else o.stage_entered_date end
            from history_summary h
            where o.opportunity_id = h.opportunity_id
              and (o.close_date_pushes < h.pushes
                   or (o.stage_name = h.last_stage
                       and o.stage_entered_date is distinct from h.entered))""")
