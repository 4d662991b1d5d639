"""Opportunities from any deal-shaped format (canonical, Salesforce, HubSpot, Maven): check
every row, put the values in the store's terms, then write current state + snapshot.

`prepare` works column by column on the whole file (vectorised) and never writes;
`load` writes the accepted rows. Rules (docs/import-formats.md has them for users):
ids must be present and unique in the file (later duplicates are rejected); amounts must be
numbers >= 0 (blank = 0, said in assumptions); dates must be readable; stages must be in the
stages table (or mapped by `stage_mapping`, or created from the file's probabilities for
formats without a stage table of their own); owners must be people in the store, except for
formats that only carry owner names, where missing people are created.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.importing import load, validate
from forecast.importing.context import Context
from forecast.importing.formats import HUBSPOT_DATE_ENTERED
from forecast.importing.model import fmt

FRACTIONS_NOTE = "probabilities were given as fractions (0.2): read them as percent (20 %)"


@dataclass
class PreparedDeals:
    deals: pd.DataFrame                                   # load.DEAL_COLUMNS, every row
    new_people: pd.DataFrame = field(default_factory=pd.DataFrame)  # person_id, name
    new_stages: pd.DataFrame = field(default_factory=pd.DataFrame)
    stage_events: pd.DataFrame = field(default_factory=pd.DataFrame)  # + row position


def prepare(ctx: Context, fields: dict[str, pd.Series] | None = None) -> PreparedDeals:
    """Check and convert every row. `fields` (canonical -> strings) overrides the file's
    columns; Maven uses it to pass values it derived."""
    fields = dict(fields or {})
    for canonical in ctx.spec.fields:
        if canonical not in fields and ctx.get(canonical) is not None:
            fields[canonical] = ctx.get(canonical)
    blank = pd.Series("", index=ctx.table.frame.index, dtype="str")

    def raw(name: str) -> pd.Series:
        return fields.get(name, blank)

    out = pd.DataFrame(index=ctx.table.frame.index)
    out["opportunity_id"] = _ids(ctx, fields)
    for text_field in ("opportunity_name", "account_name", "lead_source", "segment"):
        out[text_field] = _nullable(raw(text_field))
    out["amount_original"] = _amounts(ctx, raw("amount"))
    out["close_date"] = _date(ctx, "close_date", raw("close_date"))
    out["created_date"] = _date(ctx, "created_date", raw("created_date"))
    out["probability"] = _probability(ctx, raw("probability"))
    out["forecast_category"] = _category(ctx, raw("forecast_category"))
    out["deal_type"] = _deal_type(ctx, raw("deal_type"))
    new_stages = _stages(ctx, out, raw("stage_name"), fields)
    new_people = _owners(ctx, out, fields)
    _currency(ctx, out, raw("currency"))
    out["stage_entered_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
    events = _hubspot_stage_dates(ctx, out, fields)
    if "stage_entered_date" in fields:
        entered, _, _ = validate.parse_dates(fields["stage_entered_date"])
        out["stage_entered_date"] = validate.to_date(entered).where(
            out["stage_entered_date"].isna(), out["stage_entered_date"])
    ctx.finish_notes()
    return PreparedDeals(out[load.DEAL_COLUMNS], new_people, new_stages, events)


def _nullable(values: pd.Series) -> pd.Series:
    return values.where(values.ne(""))


def _ids(ctx: Context, fields: dict[str, pd.Series]) -> pd.Series:
    ids = fields.get("opportunity_id")
    if ids is None:  # a Salesforce report without the id column
        name = fields["opportunity_name"]
        account = fields.get("account_name", pd.Series("", index=name.index))
        key = (account + " " + name).str.lower().str.replace(r"[^0-9a-z]+", "-", regex=True)
        ids = ("sf-" + key.str.strip("-")).where(name.ne(""), "")
        ctx.note("the report has no Opportunity ID column: each deal is identified by its "
                 "account and opportunity name, so re-imports match deals by name")
    ctx.reject(ids.eq("").to_numpy(), "opportunity_id", "", "missing opportunity id")
    dup, reason = validate.duplicates(ids, ctx.lines, "opportunity")
    ctx.reject(dup, "opportunity_id", ids, reason)
    return ids


def _amounts(ctx: Context, raw: pd.Series) -> pd.Series:
    values, bad = validate.parse_number(raw)
    ctx.reject(bad, "amount", raw, "amount is not a number")
    ctx.reject((values < 0).to_numpy(), "amount", raw, "amount is negative")
    missing = raw.eq("").to_numpy()
    ctx.note_count(missing, "{n} deal{s} had no amount: counted as 0")
    return values.fillna(0.0)


def _date(ctx: Context, name: str, raw: pd.Series) -> pd.Series:
    values, bad, note = validate.parse_dates(raw)
    ctx.reject(bad, name, raw, f"{ctx.column(name)} is not a date; use YYYY-MM-DD")
    if note and not any(a.startswith(note.split("'")[0]) for a in ctx.assumptions):
        ctx.note(note)
    return validate.to_date(values)


def _probability(ctx: Context, raw: pd.Series) -> pd.Series:
    values, bad = validate.parse_number(raw)
    ctx.reject(bad, "probability", raw, "probability is not a number")
    known = values.dropna()
    fractions = len(known) and known.between(0, 1).all() and (
        ctx.spec.kind == "hubspot_deals" or (known % 1 != 0).any())
    if fractions:
        values = values * 100
        ctx.note(FRACTIONS_NOTE)
    ctx.reject(((values < 0) | (values > 100)).to_numpy(), "probability", raw,
               "probability must be between 0 and 100")
    return values


def _category(ctx: Context, raw: pd.Series) -> pd.Series:
    values, bad, most_likely = validate.parse_category(raw)
    ctx.reject(bad, "forecast_category", raw, fmt(
        "unknown forecast category '{v}' (use Pipeline, Best Case, Commit, Closed or Omitted)",
        v=raw))
    if most_likely:
        ctx.note(validate.MOST_LIKELY_NOTE)
    return values


def _deal_type(ctx: Context, raw: pd.Series) -> pd.Series:
    values, unplaced = validate.parse_deal_type(raw)
    if unplaced.any():
        examples = validate.quoted_list(raw[unplaced].unique(), 3)
        ctx.note_count(unplaced, "{n} deal{s} had a type that is neither new nor existing "
                       f"business ({examples}): kept without a type")
    return values


# ---------------------------------------------------------------- stages


def _stages(ctx: Context, out: pd.DataFrame, raw_stage: pd.Series,
            fields: dict[str, pd.Series]) -> pd.DataFrame:
    """Resolve each row's stage to a stages-table name; set is_closed / is_won from it.
    Returns the stages to create (empty unless the format may create them)."""
    ctx.reject(raw_stage.eq("").to_numpy(), "stage_name", "", "missing stage")
    wanted = _apply_stage_mapping(ctx, raw_stage)
    table = load.stages(ctx.con)
    lookup = {name.lower(): name for name in table["stage_name"]}
    resolved = _lookup(wanted, lookup)
    unknown = (resolved.isna() & wanted.ne("")).to_numpy()
    new_stages = pd.DataFrame()
    if unknown.any() and ctx.spec.may_create_stages and "probability" in fields:
        new_stages = _new_stages(ctx, wanted, out, unknown, fields, table)
        lookup.update({n.lower(): n for n in new_stages.get("stage_name", [])})
        table = pd.concat([table, new_stages], ignore_index=True)
        resolved = _lookup(wanted, lookup)
        unknown = (resolved.isna() & wanted.ne("")).to_numpy()
    if unknown.any():
        ctx.reject(unknown, "stage_name", wanted, fmt("unknown stage '{v}'", v=wanted))
        ctx.unknown_stages.extend(sorted(set(wanted[unknown]) - set(ctx.unknown_stages)))
    out["stage_name"] = resolved
    attrs = table.set_index("stage_name")
    for flag in ("is_closed", "is_won"):
        out[flag] = validate.on_uniques(resolved, lambda u, f=flag: u.map(attrs[f]).eq(True)
                                        ).astype(bool)
    return new_stages


def _apply_stage_mapping(ctx: Context, raw: pd.Series) -> pd.Series:
    """`stage_mapping` (file stage -> known stage, case-insensitive) applied."""
    if not ctx.stage_mapping:
        return raw
    mapping = {k.strip().lower(): v for k, v in ctx.stage_mapping.items()}
    return pd.Series(validate.on_uniques(raw, lambda u: u.str.lower().map(mapping).fillna(u)),
                     index=raw.index, dtype="str")


def _lookup(values: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """Case-insensitive lookup of each value; NaN where not found."""
    return pd.Series(validate.on_uniques(values, lambda u: u.str.lower().map(lookup)),
                     index=values.index, dtype="str")


def _new_stages(ctx: Context, wanted: pd.Series, out: pd.DataFrame, unknown: np.ndarray,
                fields: dict[str, pd.Series], table: pd.DataFrame) -> pd.DataFrame:
    """Stages the file uses but the store lacks, built from the file: probability = the
    median of the rows' probabilities; closed/won from IsClosed/IsWon columns if present,
    else from the name ('won' -> closed won, 'lost' / 'closed ...' -> closed lost); the
    default category of an open stage from its probability (>= 70 % Commit, >= 40 % Best
    Case, else Pipeline). The deals keep their own category from the file."""
    rows = pd.DataFrame({"stage_name": wanted, "probability": out["probability"]})[
        unknown & ~ctx.problems.rejected]
    rows = rows[rows["probability"].notna()]
    if rows.empty:
        return pd.DataFrame()
    closed_flag = _stage_flags(fields.get("is_closed"), wanted, unknown)
    won_flag = _stage_flags(fields.get("is_won"), wanted, unknown)
    built = []
    start = int(table["stage_order"].max()) if len(table) else 0
    # 'Closed won' and 'closed won' are one stage, named as first written
    rows["stage_name"] = rows["stage_name"].str.lower().map(
        rows.drop_duplicates("stage_name").assign(key=lambda f: f["stage_name"].str.lower())
        .drop_duplicates("key").set_index("key")["stage_name"])
    for name, group in rows.groupby("stage_name", sort=False):
        lower = name.lower()
        won, closed = won_flag.get(name), closed_flag.get(name)
        if won is None:
            won = "won" in lower.split() or lower.replace(" ", "") in ("closedwon", "won")
        if closed is None:
            closed = won or "lost" in lower.split() or lower.startswith("closed")
        probability = float(group["probability"].median())
        category = "Closed" if won else "Omitted" if closed else _band(probability)
        built.append({"stage_name": name, "probability": probability,
                      "forecast_category": category, "is_closed": bool(closed),
                      "is_won": bool(won)})
    frame = pd.DataFrame(built).sort_values(["is_closed", "probability", "stage_name"],
                                            kind="stable")
    frame["stage_order"] = range(start + 1, start + 1 + len(frame))
    for name, group in rows.groupby("stage_name", sort=False):
        probabilities = group["probability"]
        if probabilities.nunique() > 1:
            ctx.note(f"stage '{name}' had several probabilities in the file: used the median "
                     f"({probabilities.median():g} %)")
    ctx.note("stages missing from the stage table were created from the file: "
             + ", ".join(f"'{r.stage_name}' ({r.probability:g} %, {r.forecast_category})"
                         for r in frame.itertuples()))
    ctx.note_count(np.isin(wanted.to_numpy(), frame["stage_name"].to_numpy()),
                   "{n} deal{s} {were} at a stage created from the file")
    return frame[["stage_name", "stage_order", "probability", "forecast_category",
                  "is_closed", "is_won"]]


def _stage_flags(values: pd.Series | None, wanted: pd.Series,
                 rows: np.ndarray) -> dict[str, bool]:
    """Per stage, what most of its rows say in an IsClosed / IsWon column (if any)."""
    if values is None:
        return {}
    parsed, bad = validate.parse_bool(values)
    usable = rows & ~bad & values.ne("").to_numpy()
    if not usable.any():
        return {}
    votes = pd.DataFrame({"stage": wanted[usable], "flag": parsed[usable]})
    return {k: bool(v) for k, v in votes.groupby("stage")["flag"].mean().ge(0.5).items()}


def _band(probability: float) -> str:
    if probability >= 70:
        return "Commit"
    if probability >= 40:
        return "Best Case"
    return "Pipeline"


# ---------------------------------------------------------------- owners


def _owners(ctx: Context, out: pd.DataFrame, fields: dict[str, pd.Series]) -> pd.DataFrame:
    """owner_id for every row. By id: the person must exist. By name (formats that carry
    names only): match a person by name, else create one with an id made from the name."""
    people = load.people_ids(ctx.con)
    if "owner_id" in fields:
        ids = fields["owner_id"]
        ctx.reject(ids.eq("").to_numpy(), "owner_id", "", "missing owner")
        missing = (ids.ne("") & ~ids.isin(set(people["person_id"]))).to_numpy()
        ctx.reject(missing, "owner_id", ids, fmt(
            "owner '{v}' is not among the people loaded (import people first)", v=ids))
        out["owner_id"] = ids
        return pd.DataFrame()
    names = fields["owner_name"]
    ctx.reject(names.eq("").to_numpy(), "owner_name", "", "missing owner")
    by_name = dict(zip(people["name"].str.lower(), people["person_id"], strict=False))
    taken = set(people["person_id"])
    new_ids = {}
    for name in names[names.ne("")].unique():
        if name.lower() in by_name:
            continue
        candidate, n = validate.slug(name), 1
        while candidate in taken:
            n += 1
            candidate = f"{validate.slug(name)}-{n}"
        taken.add(candidate)
        new_ids[name] = candidate
    def owner_of(unique_names: pd.Series) -> pd.Series:
        known = unique_names.str.lower().map(by_name).astype(object)
        return known.where(known.notna(), unique_names.map(new_ids).astype(object))

    out["owner_id"] = pd.Series(validate.on_uniques(names, owner_of), index=names.index,
                                dtype="str")
    used = names[ctx.accepted & names.ne("").to_numpy()]
    created = sorted(set(used) & set(new_ids))
    if not created:
        return pd.DataFrame()
    ctx.note(f"{len(created)} deal owner{'s were' if len(created) > 1 else ' was'} not among "
             f"the people loaded and {'were' if len(created) > 1 else 'was'} created from "
             f"the owner name ({validate.quoted_list(created)}); they have no manager until "
             "a people file places them")
    return pd.DataFrame({"person_id": [new_ids[n] for n in created], "name": created,
                         "email": None, "title": None})


# ---------------------------------------------------------------- currency


def _currency(ctx: Context, out: pd.DataFrame, raw: pd.Series) -> None:
    """amount = amount_original converted to the reporting currency with the latest rate on
    or before the close date (closed deals) or the as-of date (open deals)."""
    reporting = load.reporting_currency(ctx.con)
    currency = raw.str.upper().where(raw.ne(""), reporting)
    out["currency"] = currency
    out["amount"] = out["amount_original"].astype("float64")
    foreign = currency.ne(reporting).to_numpy()
    if not foreign.any():
        return
    as_of = pd.Timestamp(ctx.as_of)
    when = out["close_date"].where(out["is_closed"] & out["close_date"].notna()
                                   & (out["close_date"] <= as_of), as_of)
    rates = load.frame(ctx.con, "select currency, effective_date, rate_to_reporting "
                                "from currency_rates")
    rates["effective_date"] = pd.to_datetime(rates["effective_date"]).astype("datetime64[us]")
    rates["currency"] = rates["currency"].astype("str").str.upper()  # typed even when empty
    wanted = pd.DataFrame({"row": np.flatnonzero(foreign),
                           "currency": currency[foreign].astype(str).to_numpy(),
                           "when": when[foreign].astype("datetime64[us]").to_numpy()})
    matched = pd.merge_asof(wanted.sort_values("when"),
                            rates.sort_values("effective_date"), left_on="when",
                            right_on="effective_date", by="currency",
                            direction="backward").sort_values("row")
    rate = np.full(len(out), np.nan)
    rate[matched["row"].to_numpy()] = matched["rate_to_reporting"].to_numpy(dtype="float64")
    no_rate = foreign & np.isnan(rate)
    if no_rate.any():
        ctx.reject(no_rate, "currency", currency, fmt(
            "no {c}->" + reporting + " rate on or before {d:%Y-%m-%d}", c=currency, d=when))
    converted = foreign & ~no_rate
    out.loc[converted, "amount"] = out["amount_original"][converted] * rate[converted]
    codes = sorted(set(currency[converted]))
    if codes:
        ctx.note_count(converted, "{n} deal{s} in " + ", ".join(codes) + " {were} converted "
                       f"to {reporting} with the rate in effect on the close date (open "
                       f"deals: on {ctx.as_of:%Y-%m-%d})")


# ---------------------------------------------------------------- HubSpot stage dates


def _hubspot_stage_dates(ctx: Context, out: pd.DataFrame,
                         fields: dict[str, pd.Series]) -> pd.DataFrame:
    """'Date entered <stage> (<pipeline>)' columns -> stage events, and the date the deal
    entered its current stage."""
    if ctx.spec.kind != "hubspot_deals":
        return pd.DataFrame()
    lookup = {n.lower(): n for n in load.stages(ctx.con)["stage_name"]}
    lookup.update({str(n).lower(): n for n in out["stage_name"].dropna().unique()})
    parts = []
    for column in ctx.table.columns:
        if not column.lower().startswith(HUBSPOT_DATE_ENTERED):
            continue
        label = column[len(HUBSPOT_DATE_ENTERED):].strip().strip("'\"")
        label = label.split(" (")[0].strip().strip("'\"")
        label = ctx.stage_mapping.get(label, label)
        stage = lookup.get(label.lower())
        if stage is None:
            continue
        values, _, _ = validate.parse_dates(ctx.table.frame[column].astype("str").str.strip())
        have = values.notna().to_numpy()
        if not have.any():
            continue
        parts.append(pd.DataFrame({"row": np.flatnonzero(have), "stage_name": stage,
                                   "entered_at": values[have].to_numpy()}))
        current = have & out["stage_name"].eq(stage).to_numpy()
        out.loc[current, "stage_entered_date"] = validate.to_date(values[current])
    if not parts:
        return pd.DataFrame()
    events = pd.concat(parts, ignore_index=True)
    events["opportunity_id"] = out["opportunity_id"].to_numpy()[events["row"].to_numpy()]
    ctx.note("the 'Date entered <stage>' columns became the deals' stage history")
    return events


# ---------------------------------------------------------------- writing


def load_prepared(ctx: Context, prepared: PreparedDeals, source: str) -> str:
    """Write the accepted rows; returns the sentence describing what was done."""
    keep = ctx.accepted
    deals = prepared.deals if keep.all() else prepared.deals[keep]
    if deals.empty:
        return ""
    ctx.progress(0.6, f"Writing {len(deals):,} deals")
    if len(prepared.new_people):
        load.insert_people(ctx.con, prepared.new_people)
    if len(prepared.new_stages):
        used = set(deals["stage_name"])
        load.insert_stages(ctx.con, prepared.new_stages[
            prepared.new_stages["stage_name"].isin(used)])
    live = load.live_data_date(ctx.con)
    update_existing = live is None or ctx.as_of >= live
    if not update_existing:
        ctx.note(f"the export speaks for {ctx.as_of:%Y-%m-%d}, before the live data "
                 f"({live:%Y-%m-%d}): deals already loaded keep their newer state; only the "
                 "snapshot and new deals were added")
    events = prepared.stage_events
    if len(events):  # before write_deals, which then adds no second event for the same day
        events = events[keep[events["row"].to_numpy()]]
        load.insert_stage_events(ctx.con, events[["opportunity_id", "stage_name",
                                                  "entered_at"]])
    written = load.write_deals(ctx.con, deals, as_of=ctx.as_of, import_id=ctx.import_id,
                               source=source, update_existing=update_existing,
                               file_events=len(events) > 0)
    if update_existing:
        load.after_deals(ctx.con, ctx.as_of)
    return (f"{validate.plural(len(deals), 'deal')} loaded ({written.new:,} new, "
            f"{written.updated:,} updated, {written.unchanged:,} unchanged); the snapshot of "
            f"{ctx.as_of:%Y-%m-%d} gained {validate.plural(written.snapshot_rows, 'row')}")


def run(ctx: Context) -> str:
    """Handler for the deal formats."""
    ctx.progress(0.2, "Checking rows")
    prepared = prepare(ctx)
    return load_prepared(ctx, prepared, source=f"import:{ctx.spec.kind}")
