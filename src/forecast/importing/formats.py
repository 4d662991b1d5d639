"""The file formats the importer understands: each one's columns, and detection from a header.

A format maps canonical fields (the store's names) to the column names a file may use for
them. Header matching ignores case and surrounding spaces. Detection scores every format by
how many of the file's columns it recognises; a format missing a required column scores 0.
See docs/import-formats.md for the same tables in prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from forecast.importing import readers
from forecast.importing.model import FormatGuess, ImportFailed


@dataclass(frozen=True)
class FormatSpec:
    kind: str
    label: str
    target: str                                  # deals | history | people | quotas | ...
    fields: dict[str, tuple[str, ...]]           # canonical field -> accepted column names
    required: tuple[str | tuple[str, ...], ...]  # a tuple inside = "one of these"
    signature: tuple[str, ...] = ()              # fields that point strongly at this format
    owner_by_name: bool = False                  # owners come as names: create people
    may_create_stages: bool = False              # no stage table of its own: may auto-create
    notes: tuple[str, ...] = field(default=())


def _same(*names: str) -> dict[str, tuple[str, ...]]:
    return {n: (n,) for n in names}


CANONICAL_DEALS = FormatSpec(
    kind="opportunities",
    label="Opportunities (canonical CSV)",
    target="deals",
    fields=_same("opportunity_id", "opportunity_name", "account_name", "owner_id", "amount",
                 "currency", "stage_name", "probability", "forecast_category", "close_date",
                 "created_date", "deal_type", "lead_source", "segment"),
    required=("opportunity_id", "owner_id", "amount", "stage_name", "close_date"),
    signature=("opportunity_id", "stage_name", "owner_id"),
)

SALESFORCE_DEALS = FormatSpec(
    kind="salesforce_opportunities",
    label="Salesforce opportunities (report labels or API names)",
    target="deals",
    fields={
        "opportunity_id": ("Opportunity ID", "Opportunity Id", "Id", "Opportunity ID (18)"),
        "opportunity_name": ("Opportunity Name", "Name"),
        "account_name": ("Account Name", "Account.Name", "AccountName", "AccountId"),
        "owner_id": ("OwnerId", "Owner ID", "Opportunity Owner ID"),
        "owner_name": ("Opportunity Owner", "Owner.Name", "Owner Name", "Owner Full Name"),
        "amount": ("Amount",),
        "currency": ("CurrencyIsoCode", "Opportunity Currency", "Amount Currency",
                     "Currency"),
        "stage_name": ("Stage", "StageName"),
        "probability": ("Probability (%)", "Probability"),
        "forecast_category": ("Forecast Category", "ForecastCategoryName",
                              "ForecastCategory"),
        "close_date": ("Close Date", "CloseDate"),
        "created_date": ("Created Date", "CreatedDate"),
        "deal_type": ("Type",),
        "lead_source": ("Lead Source", "LeadSource"),
        "segment": ("Segment", "Industry"),
        "is_closed": ("IsClosed", "Closed"),
        "is_won": ("IsWon", "Won"),
    },
    required=(("opportunity_id", "opportunity_name"), ("owner_id", "owner_name"), "amount",
              "stage_name", "close_date"),
    signature=("stage_name", "close_date", "forecast_category", "is_closed", "owner_name"),
    owner_by_name=True,
    may_create_stages=True,
)

HUBSPOT_DEALS = FormatSpec(
    kind="hubspot_deals",
    label="HubSpot deals export",
    target="deals",
    fields={
        "opportunity_id": ("Record ID", "Deal ID"),
        "opportunity_name": ("Deal Name",),
        "account_name": ("Associated Company", "Company name", "Associated Company (Primary)"),
        "owner_name": ("Deal owner", "Deal Owner"),
        "amount": ("Amount",),
        "currency": ("Currency", "Deal currency code"),
        "stage_name": ("Deal Stage",),
        "pipeline": ("Pipeline",),
        "probability": ("Deal probability", "Deal Probability"),
        "forecast_category": ("Forecast category", "Forecast Category"),
        "close_date": ("Close Date",),
        "created_date": ("Create Date",),
        "deal_type": ("Deal Type",),
        "lead_source": ("Original Source Type", "Original Source", "Lead Source"),
        "is_closed": ("Is Closed", "Is closed"),
        "is_won": ("Is Closed Won", "Is closed won"),
    },
    required=("opportunity_id", "owner_name", "amount", "stage_name", "close_date"),
    signature=("opportunity_id", "opportunity_name", "stage_name", "owner_name"),
    owner_by_name=True,
    may_create_stages=True,
)

SALESFORCE_HISTORY = FormatSpec(
    kind="salesforce_history",
    label="Salesforce OpportunityHistory",
    target="history",
    fields={
        "opportunity_id": ("OpportunityId",),
        "created_at": ("CreatedDate",),
        "stage_name": ("StageName",),
        "amount": ("Amount",),
        "close_date": ("CloseDate",),
        "probability": ("Probability",),
        "forecast_category": ("ForecastCategory",),
        "prev_amount": ("PrevAmount",),
        "prev_close_date": ("PrevCloseDate",),
    },
    required=("opportunity_id", "created_at", "stage_name"),
    signature=("opportunity_id", "prev_amount", "prev_close_date"),
)

SALESFORCE_USERS = FormatSpec(
    kind="salesforce_users",
    label="Salesforce users (User with ManagerId)",
    target="people",
    fields={
        "person_id": ("Id",),
        "name": ("Name",),
        "first_name": ("FirstName",),
        "last_name": ("LastName",),
        "email": ("Email",),
        "title": ("Title",),
        "manager_id": ("ManagerId",),
        "is_active": ("IsActive",),
        "role_id": ("UserRoleId",),
    },
    required=("person_id", ("name", "last_name"), "manager_id"),
    signature=("manager_id",),
)

SALESFORCE_ROLES = FormatSpec(
    kind="salesforce_roles",
    label="Salesforce user roles (UserRole with ParentRoleId)",
    target="people",
    fields={"role_id": ("Id",), "name": ("Name",), "parent_role_id": ("ParentRoleId",)},
    required=("role_id", "name", "parent_role_id"),
    signature=("parent_role_id",),
)

CANONICAL_PEOPLE = FormatSpec(
    kind="people",
    label="People and managers (canonical CSV)",
    target="people",
    fields={**_same("person_id", "name", "email", "title", "manager_id", "effective_date",
                    "is_active")},
    required=("person_id", "name", "manager_id"),
    signature=("person_id", "manager_id"),
)

CANONICAL_QUOTAS = FormatSpec(
    kind="quotas",
    label="Quotas (canonical CSV)",
    target="quotas",
    fields={**_same("person_id", "period_id", "effective_date"),
            "amount": ("amount", "quota", "quota_amount")},
    required=("person_id", "period_id", "amount"),
    signature=("period_id",),
)

LEAD_FIELDS = ("lead_id", "lead_name", "company", "source", "segment", "deal_type",
               "owner_id", "created_at", "mql_at", "srl_at", "sql_at", "disqualified_at",
               "disqualified_reason", "converted_at", "opportunity_id", "first_response_at",
               "first_response_minutes", "demo_booked_at", "demo_no_show", "touches")

CANONICAL_LEADS = FormatSpec(
    kind="leads",
    label="Leads (canonical CSV)",
    target="leads",
    fields=_same(*LEAD_FIELDS),
    required=("lead_id", "created_at"),
    signature=("lead_id", "mql_at"),
)

CANONICAL_STAGES = FormatSpec(
    kind="stages",
    label="Stages (canonical CSV)",
    target="stages",
    fields=_same("stage_name", "stage_order", "probability", "forecast_category", "is_closed",
                 "is_won"),
    required=("stage_name", "probability", "forecast_category", "is_closed", "is_won"),
    signature=("stage_order", "is_won"),
)

FORMATS: dict[str, FormatSpec] = {spec.kind: spec for spec in (
    CANONICAL_DEALS, SALESFORCE_DEALS, SALESFORCE_HISTORY, SALESFORCE_USERS, SALESFORCE_ROLES,
    HUBSPOT_DEALS, CANONICAL_PEOPLE, CANONICAL_QUOTAS, CANONICAL_LEADS, CANONICAL_STAGES)}
KINDS = list(FORMATS)
HUBSPOT_DATE_ENTERED = "date entered "


def _norm(name: str) -> str:
    return " ".join(str(name).lower().split())


def map_columns(spec: FormatSpec, columns: list[str]) -> dict[str, str]:
    """canonical field -> the file's column, first accepted name that the file has."""
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    mapping = {}
    for canonical, names in spec.fields.items():
        for name in names:
            if _norm(name) in by_norm:
                mapping[canonical] = by_norm[_norm(name)]
                break
    return mapping


def missing_required(spec: FormatSpec, mapping: dict[str, str]) -> list[str]:
    """Required fields (or groups "a or b") with no column."""
    out = []
    for need in spec.required:
        options = need if isinstance(need, tuple) else (need,)
        if not any(o in mapping for o in options):
            out.append(" or ".join(_column_names(spec, o) for o in options))
    return out


def _column_names(spec: FormatSpec, canonical: str) -> str:
    names = spec.fields.get(canonical, (canonical,))
    return "'" + "' / '".join(names[:2]) + "'"


def describe_variant(spec: FormatSpec, mapping: dict[str, str]) -> str:
    if spec.kind != "salesforce_opportunities":
        return spec.label
    api = mapping.get("stage_name") == "StageName" or mapping.get("close_date") == "CloseDate"
    return "Salesforce opportunities (" + ("API names" if api else "report labels") + ")"


def guess(columns: list[str]) -> FormatGuess:
    """The best-fitting format for a header."""
    scored = []
    for spec in FORMATS.values():
        mapping = map_columns(spec, columns)
        if not mapping:
            continue
        missing = missing_required(spec, mapping)
        used = set(mapping.values())
        signature = sum(1 for s in spec.signature if s in mapping)
        if spec.kind == "hubspot_deals":
            used |= {c for c in columns if _norm(c).startswith(HUBSPOT_DATE_ENTERED)}
        share = len(used) / max(len(columns), 1)
        scored.append((not missing, len(used), signature, share, spec, mapping, missing, used))
    if not scored:
        return FormatGuess(None, {}, 0.0, [], list(columns), "unknown format")
    complete, _, _, share, spec, mapping, missing, used = max(scored, key=lambda s: s[:4])
    return FormatGuess(
        kind=spec.kind,
        mapping=mapping,
        confidence=round(share, 2) if complete else 0.0,
        missing=missing,
        unused_columns=[c for c in columns if c not in used],
        label=describe_variant(spec, mapping),
    )


def detect_format(path: str | Path) -> FormatGuess:
    """What kind of file this is, read from its header (first 64 KB only)."""
    try:
        columns = readers.read_header(path)
    except ImportFailed as exc:
        return FormatGuess(None, {}, 0.0, [], [], str(exc))
    return guess(columns)


def resolve(kind: str | None, columns: list[str],
            override: dict[str, str] | None) -> tuple[FormatSpec, dict[str, str]]:
    """The format and column mapping to use, or ImportFailed with a sentence saying why not."""
    if kind is not None and kind not in FORMATS:
        raise ImportFailed(f"'{kind}' is not a known format; use one of: {', '.join(KINDS)}.")
    if kind is None:
        found = guess(columns)
        if found.kind is None:
            raise ImportFailed(
                "The file's columns match no known format (" + ", ".join(columns[:8])
                + "). Pick the format by hand or rename the columns as in the templates.")
        kind = found.kind
    spec = FORMATS[kind]
    mapping = map_columns(spec, columns)
    for canonical, column in (override or {}).items():
        if canonical not in spec.fields:
            raise ImportFailed(f"The mapping names '{canonical}', which is not a field of "
                               f"the {spec.label} format.")
        if column not in columns:
            raise ImportFailed(f"The mapping uses the column '{column}', which is not in "
                               "the file.")
        mapping[canonical] = column
    missing = missing_required(spec, mapping)
    if missing:
        raise ImportFailed(
            f"The file is missing required columns for the {describe_variant(spec, mapping)} "
            f"format: {', '.join(missing)}.")
    return spec, mapping
