"""The small canonical files: stages, quotas and leads.

- stages: upsert by stage_name. probability 0..100, a canonical forecast category, a won
  stage must be closed. A missing stage_order numbers the rows after the existing stages.
- quotas: append-only per (person, period, effective_date). The person must be loaded; the
  period must be a fiscal period id (2026, 2026-Q4, 2026-M11). Without an effective_date a
  first quota holds from the beginning and a change from the as-of date; a different amount
  on a date that already has one is rejected.
- leads: upsert by lead_id; created_at is required; the owner, when given, must be loaded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast import calendar
from forecast.importing import load, validate
from forecast.importing.context import BEGINNING, Context
from forecast.importing.formats import LEAD_FIELDS
from forecast.importing.model import fmt
from forecast.importing.validate import plural

# ---------------------------------------------------------------- shared checks


def _required_id(ctx: Context, field: str, what: str) -> pd.Series:
    ids = ctx.get(field)
    ctx.reject(ids.eq("").to_numpy(), field, "", f"missing {what} id")
    return ids


def _number(ctx: Context, field: str, *, required: bool = False,
            non_negative: bool = True) -> pd.Series:
    raw = ctx.get_or_blank(field)
    values, bad = validate.parse_number(raw)
    ctx.reject(bad, field, raw, f"{ctx.column(field)} is not a number")
    if required:
        ctx.reject(raw.eq("").to_numpy(), field, "", f"missing {ctx.column(field)}")
    if non_negative:
        ctx.reject((values < 0).to_numpy(), field, raw, f"{ctx.column(field)} is negative")
    return values


def _timestamp(ctx: Context, field: str) -> pd.Series:
    raw = ctx.get_or_blank(field)
    values, bad, note = validate.parse_dates(raw)
    ctx.reject(bad, field, raw, f"{ctx.column(field)} is not a date; use YYYY-MM-DD or "
               "YYYY-MM-DD HH:MM:SS")
    if note:
        ctx.note(note)
    return values


def _bool(ctx: Context, field: str) -> pd.Series:
    raw = ctx.get_or_blank(field)
    values, bad = validate.parse_bool(raw)
    ctx.reject(bad, field, raw, f"{ctx.column(field)} must be true/false or 1/0")
    return values.astype(object).where(raw.ne(""), None)


def _known_person(ctx: Context, field: str, ids: pd.Series, what: str) -> None:
    known = set(load.people_ids(ctx.con)["person_id"])
    missing = (ids.ne("") & ~ids.isin(known)).to_numpy()
    ctx.reject(missing, field, ids, fmt(
        what + " '{v}' is not among the people loaded (import people first)", v=ids))


def _nullable(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.ne(""), None)


# ---------------------------------------------------------------- stages


def run_stages(ctx: Context) -> str:
    names = _required_id(ctx, "stage_name", "stage")
    dup, reason = validate.duplicates(names.str.lower(), ctx.lines, "stage", shown=names)
    ctx.reject(dup, "stage_name", names, reason)
    probability = _number(ctx, "probability", required=True)
    ctx.reject((probability > 100).to_numpy(), "probability", ctx.get("probability"),
               "probability must be between 0 and 100")
    category, bad, _ = validate.parse_category(ctx.get("forecast_category"))
    raw_category = ctx.get("forecast_category")
    ctx.reject(bad | raw_category.eq("").to_numpy(), "forecast_category", raw_category,
               "forecast_category must be Pipeline, Best Case, Commit, Closed or Omitted")
    closed, won = _bool(ctx, "is_closed"), _bool(ctx, "is_won")
    ctx.reject((won.eq(True) & ~closed.eq(True)).to_numpy(), "is_won", ctx.get("is_won"),
               "a won stage must also be closed (is_closed = true)")
    order = _stage_order(ctx)
    stages = pd.DataFrame({"stage_name": names, "stage_order": order,
                           "probability": probability, "forecast_category": category,
                           "is_closed": closed.fillna(False).astype(bool),
                           "is_won": won.fillna(False).astype(bool)})[ctx.accepted]
    if stages.empty:
        return ""
    with load.registered(ctx.con, "incoming_stages", stages):
        updated = load.rows(ctx.con, """
            update stages s set stage_order = i.stage_order, probability = i.probability,
                   forecast_category = i.forecast_category, is_closed = i.is_closed,
                   is_won = i.is_won
            from incoming_stages i
            where s.stage_name = i.stage_name
              and (s.stage_order, s.probability, s.forecast_category, s.is_closed, s.is_won)
                  is distinct from (i.stage_order, i.probability, i.forecast_category,
                                    i.is_closed, i.is_won)""")[0][0]
    added = load.insert_stages(ctx.con, stages)
    return f"{plural(len(stages), 'stage')} loaded ({added:,} new, {int(updated):,} updated)"


def _stage_order(ctx: Context) -> pd.Series:
    raw = ctx.get_or_blank("stage_order")
    values, bad = validate.parse_number(raw)
    ctx.reject(bad | (values.notna() & (values % 1 != 0)).to_numpy(), "stage_order", raw,
               "stage_order must be a whole number")
    existing = load.stages(ctx.con).set_index("stage_name")["stage_order"]
    names = ctx.get("stage_name")
    start = int(existing.max()) if len(existing) else 0
    default = pd.Series(np.arange(1, ctx.n_rows + 1) + start, index=raw.index)
    kept = names.map(existing)
    missing = raw.eq("").to_numpy()
    ctx.note_count(missing & kept.isna().to_numpy(), "{n} new stage{s} had no stage_order: "
                   "numbered in file order after the existing stages")
    return values.fillna(kept).fillna(default).astype("int64")


# ---------------------------------------------------------------- quotas


def run_quotas(ctx: Context) -> str:
    person = _required_id(ctx, "person_id", "person")
    _known_person(ctx, "person_id", person, "person")
    periods = _periods(ctx)
    amount = _number(ctx, "amount", required=True)
    dates = _quota_dates(ctx, person, periods)
    key = person + "|" + periods + "|" + dates.dt.strftime("%Y-%m-%d")
    dup, reason = validate.duplicates(key, ctx.lines, "quota", shown=person + " " + periods)
    ctx.reject(dup, "person_id", person, reason)
    quotas = pd.DataFrame({"person_id": person, "period_id": periods, "amount": amount,
                           "effective_date": dates.dt.date})
    _quota_clashes(ctx, quotas)
    ctx.finish_notes()
    quotas = quotas[ctx.accepted]
    if quotas.empty:
        return ""
    with load.registered(ctx.con, "incoming_quotas", quotas):
        added = load.rows(ctx.con, """
            insert into quotas (person_id, period_id, amount, effective_date)
            select person_id, period_id, amount, effective_date from incoming_quotas i
            where not exists (select 1 from quotas q where q.person_id = i.person_id
                              and q.period_id = i.period_id
                              and q.effective_date = i.effective_date)""")[0][0]
    return (f"{plural(len(quotas), 'quota')} loaded ({int(added):,} new, "
            f"{len(quotas) - int(added):,} already there)")


def _periods(ctx: Context) -> pd.Series:
    raw = ctx.get("period_id")
    start_month = int(load.scalar(
        ctx.con, "select value from settings where key = $k",
        {"k": calendar.FISCAL_START_SETTING}) or 1)
    canonical, errors = {}, {}
    for value in raw.unique():
        try:
            canonical[value] = calendar.parse_period(value, start_month).period_id
        except calendar.PeriodError as exc:
            errors[value] = _period_reason(value, str(exc))
    bad = raw.isin(errors).to_numpy()
    ctx.reject(bad, "period_id", raw, lambda rows: [errors[v] for v in raw.iloc[rows]])
    return raw.map(canonical).fillna("").astype("str")


def _period_reason(value: str, error: str) -> str:
    """calendar's message, as a reject reason: "period 'X' is not a fiscal period: <hint>"."""
    hint = error.split(": ", 1)[-1].split(". ", 1)[-1].rstrip(".")
    return f"period '{value}' is not a fiscal period: {hint[:1].lower()}{hint[1:]}"


def _quota_dates(ctx: Context, person: pd.Series, periods: pd.Series) -> pd.Series:
    dates = validate.to_date(_timestamp(ctx, "effective_date"))
    missing = dates.isna().to_numpy()
    if not missing.any():
        return dates
    pairs = pd.DataFrame({"person_id": person, "period_id": periods})
    with load.registered(ctx.con, "incoming_pairs", pairs.drop_duplicates()):
        have = load.frame(ctx.con, """
            select distinct q.person_id, q.period_id from quotas q
            join incoming_pairs i using (person_id, period_id)""")
    known = pd.MultiIndex.from_frame(pairs).isin(pd.MultiIndex.from_frame(have)) \
        if len(have) else np.zeros(ctx.n_rows, dtype=bool)
    filled = np.where(known, pd.Timestamp(ctx.as_of), pd.Timestamp(BEGINNING))
    ctx.note_count(missing & ~known, "{n} first quota{s} had no effective date: taken to "
                   f"hold from the beginning ({BEGINNING:%Y-%m-%d})")
    ctx.note_count(missing & known, "{n} quota change{s} without an effective date take "
                   f"effect on the as-of date {ctx.as_of:%Y-%m-%d}")
    return dates.where(~missing, pd.Series(filled, index=dates.index)).astype("datetime64[us]")


def _quota_clashes(ctx: Context, quotas: pd.DataFrame) -> None:
    with load.registered(ctx.con, "incoming_quotas",
                         quotas.assign(_row=np.arange(ctx.n_rows))[ctx.accepted]):
        clash = load.frame(ctx.con, """
            select i._row, q.amount, q.effective_date from incoming_quotas i
            join quotas q using (person_id, period_id, effective_date)
            where q.amount <> i.amount""")
    if clash.empty:
        return
    mask = np.zeros(ctx.n_rows, dtype=bool)
    mask[clash["_row"].to_numpy()] = True
    reasons = np.full(ctx.n_rows, "", dtype=object)
    for row, amount, day in clash.itertuples(index=False):
        reasons[row] = (f"already has a quota of {amount:,.2f} from {day:%Y-%m-%d}; use a "
                        "later effective_date to change it")
    ctx.reject(mask, "amount", quotas["amount"], reasons)


# ---------------------------------------------------------------- leads

_LEAD_TIMES = ("created_at", "mql_at", "srl_at", "sql_at", "disqualified_at", "converted_at",
               "first_response_at", "demo_booked_at")
_LEAD_TEXT = ("lead_name", "company", "source", "segment", "disqualified_reason",
              "opportunity_id")


def run_leads(ctx: Context) -> str:
    ids = _required_id(ctx, "lead_id", "lead")
    dup, reason = validate.duplicates(ids, ctx.lines, "lead")
    ctx.reject(dup, "lead_id", ids, reason)
    owner = ctx.get_or_blank("owner_id")
    _known_person(ctx, "owner_id", owner, "owner")
    leads = pd.DataFrame({"lead_id": ids, "owner_id": _nullable(owner)})
    for field in _LEAD_TEXT:
        leads[field] = _nullable(ctx.get_or_blank(field))
    for field in _LEAD_TIMES:
        leads[field] = _timestamp(ctx, field)
    ctx.reject(ctx.get("created_at").eq("").to_numpy(), "created_at", "", "missing created_at")
    leads["deal_type"], unplaced = validate.parse_deal_type(ctx.get_or_blank("deal_type"))
    ctx.note_count(unplaced, "{n} lead{s} had a deal type that is neither new nor existing: "
                   "kept without a type")
    leads["first_response_minutes"] = _number(ctx, "first_response_minutes")
    touches = _number(ctx, "touches")
    ctx.reject((touches % 1 > 0).to_numpy(), "touches", ctx.get_or_blank("touches"),
               "touches must be a whole number")
    leads["touches"] = touches.astype("Int64") if not (touches % 1 > 0).any() else touches
    leads["demo_no_show"] = _bool(ctx, "demo_no_show")
    ctx.finish_notes()
    leads = leads[ctx.accepted]
    if leads.empty:
        return ""
    leads = leads[list(LEAD_FIELDS)].assign(touches=lambda f: f["touches"].astype("float64"))
    return _upsert_leads(ctx, leads)


def _upsert_leads(ctx: Context, leads: pd.DataFrame) -> str:
    columns = [c for c in LEAD_FIELDS if c != "lead_id"]
    changed = " or ".join(f"l.{c} is distinct from i.{c}" for c in columns)
    assign = ", ".join(f"{c} = i.{c}" for c in columns)
    with load.registered(ctx.con, "incoming_leads", leads):
        updated = load.rows(
            ctx.con,
            f"update leads l set {assign} from incoming_leads i "  # noqa: S608 - fixed names
            f"where l.lead_id = i.lead_id and ({changed})")[0][0]
        added = load.rows(ctx.con, """
            insert into leads select * from incoming_leads i
            where not exists (select 1 from leads l where l.lead_id = i.lead_id)""")[0][0]
    return (f"{plural(len(leads), 'lead')} loaded ({int(added):,} new, {int(updated):,} "
            "updated)")
