"""The Maven Analytics CRM sample (datasets/maven_crm): four files -> people, stages, deals.

The sample lacks much of what a forecast needs, so this importer fills the gaps and says so
in the result's assumptions (each one below is reported only when it applies):
- hierarchy: agent -> manager -> regional office -> 'All regions', holding from the first
  date in the data;
- stages: Prospecting 10 % Pipeline, Engaging 50 % Best Case, Won 100 % Closed,
  Lost 0 % Omitted (created only when the store lacks them);
- as-of date: the day after the last date in the data, unless given;
- open deals have no value and no close date: the product's list price and the end of the
  as-of date's fiscal quarter; lost deals carry 0: the list price too (what was lost);
- no created date: the engage date (Prospecting deals have none);
- product 'GTXPro' is 'GTX Pro' in products.csv; typos in accounts.csv are reported;
- blank accounts stay blank.
Then the deals go through the same checks and writes as any other deal file (deals.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import calendar
from forecast.importing import api, deals, load, readers, validate
from forecast.importing.context import Context
from forecast.importing.formats import FormatSpec
from forecast.importing.model import ImportFailed, ImportResult, Progress, fmt

FILES = {
    "sales_pipeline.csv": ("opportunity_id", "sales_agent", "product", "account", "deal_stage",
                           "engage_date", "close_date", "close_value"),
    "sales_teams.csv": ("sales_agent", "manager", "regional_office"),
    "products.csv": ("product", "sales_price"),
    "accounts.csv": ("account", "sector"),
}
TOP_ID, TOP_NAME = "all-regions", "All regions"
MAVEN_STAGES = pd.DataFrame([
    ("Prospecting", 1, 10.0, "Pipeline", False, False),
    ("Engaging", 2, 50.0, "Best Case", False, False),
    ("Won", 3, 100.0, "Closed", True, True),
    ("Lost", 4, 0.0, "Omitted", True, False),
], columns=["stage_name", "stage_order", "probability", "forecast_category", "is_closed",
            "is_won"])
KNOWN_TYPOS = {"technolgy": "technology", "Philipines": "Philippines"}

SPEC = FormatSpec(
    kind="maven_crm",
    label="Maven Analytics CRM sample",
    target="deals",
    fields={"opportunity_id": ("opportunity_id",), "owner_name": ("sales_agent",),
            "account_name": ("account",), "stage_name": ("deal_stage",),
            "created_date": ("engage_date",), "close_date": ("close_date",),
            "amount": ("close_value",)},
    required=(),
    owner_by_name=True,
)


def import_folder(con, folder: Path, *, as_of: date | None, progress: Progress) -> ImportResult:
    attempt = api.Attempt(con, folder.name or str(folder), SPEC.kind, progress)
    progress(0.0, f"Reading the Maven sample in {folder}")
    try:
        missing = [name for name in FILES if not (folder / name).is_file()]
        if missing:
            raise ImportFailed(f"{folder} is not the Maven CRM sample: it has no "
                               + ", ".join(missing) + ".")
        data = {name: readers.read_bytes(folder / name) for name in FILES}
        attempt.sha = api.sha256(b"".join(api.sha256(data[n]).encode() for n in FILES))
        previous = load.previous_import(con, attempt.sha, SPEC.kind)
        if previous:
            return attempt.unchanged(previous)
        tables = {name: readers.read_table(folder / name, data[name]) for name in FILES}
        for name, needed in FILES.items():
            lacking = [c for c in needed if c not in tables[name].columns]
            if lacking:
                raise ImportFailed(f"{name} is missing required columns: "
                                   + ", ".join(lacking) + ".")
    except ImportFailed as exc:
        return attempt.failed(str(exc))
    pipeline = tables["sales_pipeline.csv"]
    defaulted = as_of is None
    as_of = as_of or _day_after_data(pipeline.frame)
    ctx = Context(con, pipeline, SPEC, {f: c[0] for f, c in SPEC.fields.items()}, as_of,
                  attempt.import_id, "sales_pipeline.csv", progress=progress)
    if defaulted:
        ctx.note(f"the sample is taken to speak for {as_of:%Y-%m-%d}, the day after the last "
                 "date in the data (give an as-of date to change it)")

    def handler(c: Context) -> str:
        return _load(c, tables)

    return attempt.run(ctx, handler)


def _day_after_data(frame: pd.DataFrame) -> date:
    dates = pd.to_datetime(pd.concat([frame["engage_date"], frame["close_date"]]),
                           format="ISO8601", errors="coerce").dropna()
    return (dates.max().date() if len(dates) else date.today()) + timedelta(days=1)


def _load(ctx: Context, tables: dict[str, readers.RawTable]) -> str:
    ctx.progress(0.1, "Building the hierarchy and stages")
    first_day = _first_day(ctx.table.frame, ctx.as_of)
    team_size = _hierarchy(ctx, tables["sales_teams.csv"].frame, first_day)
    _stages(ctx)
    ctx.progress(0.2, "Checking deals")
    fields = _deal_fields(ctx, tables["products.csv"].frame, tables["accounts.csv"].frame)
    prepared = deals.prepare(ctx, fields)
    prepared.stage_events = _engage_events(ctx, prepared)
    _report_typos(ctx, tables["accounts.csv"].frame)
    done = deals.load_prepared(ctx, prepared, source="import:maven_crm")
    return f"{team_size}; {done}"


def _first_day(frame: pd.DataFrame, as_of: date) -> date:
    dates = pd.to_datetime(frame["engage_date"], format="ISO8601", errors="coerce").dropna()
    return min(dates.min().date(), as_of) if len(dates) else as_of


def _hierarchy(ctx: Context, teams: pd.DataFrame, first_day: date) -> str:
    """agents -> managers -> regional offices -> 'All regions'."""
    teams = teams.apply(lambda col: col.str.strip())
    teams = teams[teams["sales_agent"].ne("")].drop_duplicates("sales_agent")
    offices = sorted(set(teams["regional_office"]) - {""})
    managers = teams[teams["manager"].ne("")].drop_duplicates("manager")
    rows = [(TOP_ID, TOP_NAME, "Company", None)]
    rows += [(_office_id(o), o, "Regional office", TOP_ID) for o in offices]
    rows += [(validate.slug(m), m, "Manager", _office_id(o) if o else TOP_ID)
             for m, o in zip(managers["manager"], managers["regional_office"], strict=False)]
    rows += [(validate.slug(a), a, "Sales agent", validate.slug(m) if m else TOP_ID)
             for a, m in zip(teams["sales_agent"], teams["manager"], strict=False)]
    people = pd.DataFrame(rows, columns=["person_id", "name", "title", "manager_id"]) \
        .drop_duplicates("person_id")
    people["email"] = None
    load.upsert_people(ctx.con, people[["person_id", "name", "email", "title"]])
    lines = people.assign(effective_date=first_day, is_active=True)
    load.insert_reporting_lines(ctx.con, lines[["person_id", "manager_id", "effective_date",
                                                "is_active"]])
    owners = set(ctx.table.frame["sales_agent"].str.strip())
    idle = sorted(set(teams["sales_agent"]) - owners)
    ctx.note(f"the team structure in sales_teams.csv ({len(teams)} agents, {len(managers)} "
             f"managers, {len(offices)} regional offices under '{TOP_NAME}') is taken to hold "
             f"from {first_day:%Y-%m-%d}, the first date in the data")
    if idle:
        ctx.note(f"{len(idle)} agents own no deals ({validate.quoted_list(idle, 3)})")
    return (f"hierarchy of {len(people)} people ({len(teams)} agents, {len(managers)} "
            f"managers, {len(offices)} offices)")


def _office_id(office: str) -> str:
    return "office-" + validate.slug(office)


def _stages(ctx: Context) -> None:
    existing = set(load.stages(ctx.con)["stage_name"])
    new = MAVEN_STAGES[~MAVEN_STAGES["stage_name"].isin(existing)]
    if new.empty:
        ctx.note("the sample has no probability or forecast category: the deals use the "
                 "store's existing stages Prospecting, Engaging, Won and Lost")
        return
    start = int(load.scalar(ctx.con, "select coalesce(max(stage_order), 0) from stages"))
    load.insert_stages(ctx.con, new.assign(stage_order=np.arange(1, len(new) + 1) + start))
    ctx.note("the sample has no probability or forecast category: the deals use stage "
             "defaults created for it: " + ", ".join(
                 f"{r.stage_name} {r.probability:g} % {r.forecast_category}"
                 for r in new.itertuples()))


def _price_key(series: pd.Series) -> pd.Series:
    return series.str.lower().str.replace(r"\s+", "", regex=True)


def _deal_fields(ctx: Context, products: pd.DataFrame,
                 accounts: pd.DataFrame) -> dict[str, pd.Series]:
    frame = ctx.table.frame
    get = {c: frame[c].astype("str").str.strip() for c in FILES["sales_pipeline.csv"]}
    stage, product = get["deal_stage"], get["product"]
    closed = stage.isin(["Won", "Lost"])
    products = products.apply(lambda col: col.str.strip())
    price = dict(zip(_price_key(products["product"]), products["sales_price"], strict=False))
    list_price = _price_key(product).map(price).fillna("")
    spelled = sorted(set(product[product.ne("")]) - set(products["product"]))
    for name in spelled:
        match = products["product"][_price_key(products["product"]) == name.lower().replace(
            " ", "")]
        if len(match):
            n = int(product.eq(name).sum())
            ctx.note(f"data quality: product '{name}' ({n:,} deals) is spelled "
                     f"'{match.iloc[0]}' in products.csv: read as the same product")
    value = get["close_value"]
    use_price = ~closed | (stage.eq("Lost") & value.isin(["", "0", "0.0"]))
    amount = value.where(~use_price, list_price)
    ctx.reject((use_price & list_price.eq("")).to_numpy(), "amount", product,
               fmt("product '{v}' has no list price in products.csv", v=product))
    ctx.note_count((~closed).to_numpy(), "{n} open deal{s} {have} no value: their amount is "
                   "the product's list price from products.csv")
    ctx.note_count((stage.eq("Lost") & use_price).to_numpy(), "{n} lost deal{s} carried close "
                   "value 0: their amount is the product's list price, so value win rates and "
                   "leak sizes count what was lost")
    quarter_end = calendar.period_containing(
        ctx.as_of, "quarter", calendar.fiscal_start_month(ctx.con)).end_date
    load.rows(ctx.con, "select 1")
    close = get["close_date"].where(closed | get["close_date"].ne(""), quarter_end.isoformat())
    ctx.note_count((~closed & get["close_date"].eq("")).to_numpy(),
                   "{n} open deal{s} {have} no close date: set to " + f"{quarter_end:%Y-%m-%d}, "
                   "the end of the as-of date's quarter")
    ctx.note_count(get["engage_date"].ne("").to_numpy(), "the sample has no created date: "
                   "the engage date is used instead ({n} deal{s}; Prospecting deals have "
                   "none)")
    ctx.note_count(get["account"].eq("").to_numpy(), "{n} deal{s} {have} no account: loaded "
                   "without one")
    sector = dict(zip(accounts["account"].str.strip(),
                      accounts["sector"].str.strip().replace(KNOWN_TYPOS), strict=False))
    entered = get["engage_date"].where(stage.eq("Engaging"), "")
    return {"opportunity_id": get["opportunity_id"], "owner_name": get["sales_agent"],
            "account_name": get["account"], "stage_name": stage, "amount": amount,
            "close_date": close, "created_date": get["engage_date"],
            "segment": get["account"].map(sector).fillna("").astype("str"),
            "stage_entered_date": entered}


def _engage_events(ctx: Context, prepared: deals.PreparedDeals) -> pd.DataFrame:
    """Closed deals passed through Engaging on their engage date: a stage event each."""
    frame = ctx.table.frame
    engaged, _, _ = validate.parse_dates(frame["engage_date"].astype("str").str.strip())
    closed = frame["deal_stage"].isin(["Won", "Lost"]).to_numpy() & engaged.notna().to_numpy()
    rows = np.flatnonzero(closed)
    return pd.DataFrame({"row": rows,
                         "opportunity_id": prepared.deals["opportunity_id"].to_numpy()[rows],
                         "stage_name": "Engaging",
                         "entered_at": engaged.to_numpy()[rows]})


def _report_typos(ctx: Context, accounts: pd.DataFrame) -> None:
    for column in accounts.columns:
        values = accounts[column].astype("str").str.strip()
        for typo, right in KNOWN_TYPOS.items():
            n = int(values.eq(typo).sum())
            if n:
                ctx.note(f"data quality: accounts.csv has '{typo}' in {column} ({n} "
                         f"account{'s' if n > 1 else ''}), a typo for '{right}'")
