"""Funnel leaks: one model from MQL to closed-won, where leads and deals are lost, and what
each leak costs. The definitions below are the ones the Funnel page shows next to its numbers.

**Journeys and steps.** A *journey* is a lead, followed into its opportunity once it has one,
or an opportunity no lead points to (a "direct" deal, e.g. outbound or an expansion). Its
*steps*, in funnel order: MQL -> SRL -> SQL (the lead's timestamps; the names come from the
settings `lead_stage_label_mql` / `_srl` / `_sql`, since some companies say SAL) ->
Opportunity (the lead's converted time, else the deal's created date, else its first stage
event) -> each open opportunity stage in `stages.stage_order` (first entry, from
stage_events; the deal's current stage also counts when its history lacks it) -> Won. Where
a journey ended up is its *exit*: Disqualified (a lead disqualified before it had an
opportunity), Lost, Stalled (still open, nothing entered for more than `stall_days`), Open.
Only steps the data holds are shown: a data set with only some stages shows those
(opportunities only: the funnel starts at Opportunity) and `Scope.notes` says what is
missing. Nothing is inferred from stage order: a deal is at a stage only if the data
says so.

**As of.** Everything is as it stood at the end of the as-of date: later timestamps are
ignored. Amounts are the deals' latest amounts (the lead table keeps no history). The team is
the root's subtree as of that date; a lead belongs to its owner, a direct deal to its owner.

**Counting.** *Any-stage*: a journey counts at every step it reached. *Strict*: only when it
also reached every earlier step of the strict chain, so a lead that skipped SRL is not an
SQL in the strict funnel, and a direct deal (no lead) is not in the strict funnel at all when
there are leads. Strict counts never rise from one step to the next. The strict chain is
the customary path: a step is on it when at least half of the records that went past it
(reached a step before it and one after it) passed through it. A step most records bypass is
a *side step*, shown with its counts but not required: e.g. an outbound-only Prospecting
stage that inbound deals skip, or a stage the data knows only as deals' current stage (the
Maven sample's Prospecting: nobody is known to have passed through it). The next step's
conversion is then measured from the step before the side step. The steps shown and the
strict chain are the store's, the same for every team so that teams compare; a team with
nobody at a step shows 0 there.

**Views.** *Period view*: a journey counts at a step when it entered the step inside the
window (an exit: when it left). *Cohort view*: the journeys that started inside the window
(lead created, direct deal created), at every step they reached by the as-of date. Next-step
conversion = entrants of the step / entrants of the previous step (in the period view it
compares different people and can pass 100 %); cumulative conversion = entrants of the step /
entrants of the first step.

**Value.** A journey's value is its deal amount once it has an opportunity; before that, the
average won deal size of its deal type (all deals in the store won by the as-of date; the
overall average when the type is unknown or has no won deal). Leak sizes are in
`forecast.funnel_leaks`, speed to lead in `forecast.funnel_speed`, velocity in
`forecast.funnel_velocity`.

The set logic runs in DuckDB. Every journey and step of every team is worked out once per
change of the data, as of the data date (sql/queries/derived_funnel_*.sql, kept in the store
by forecast.aggregates), with their sums per month, owner, split value and deal type; a team,
window, view and split is then a sum over those (sql/queries/funnel_*.sql), or for the medians
a read of the window's own rows. Another as-of date gets the same tables built for it (see
`use_tables`). Python only reshapes small frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta

import duckdb
import pandas as pd

from forecast import aggregates, asof, db, queries

VIEWS = {
    "period": "Period view: journeys that entered each step inside the window",
    "cohort": "Cohort view: leads (and direct deals) created inside the window, followed to "
              "the as-of date",
}
COUNTINGS = {
    "strict": "Strict: only journeys that passed every earlier step",
    "any": "Any stage: every journey that reached the step",
}
# the only columns a split may use (the SQL maps each key to its column)
DIMENSIONS = {
    "source": "Lead source",
    "segment": "Segment",
    "deal_type": "Deal type (new = hunters, existing = farmers)",
    "team": "Team (the root's direct reports)",
    "rep": "Rep (owner)",
}
EXITS = {"disqualified": "Disqualified", "lost": "Lost", "stalled": "Stalled",
         "open": "Still open"}
LEAD_STEPS = ("mql", "srl", "sql")


class FunnelError(ValueError):
    """A funnel request that cannot be answered; the message says why."""


@dataclass(frozen=True)
class FunnelSettings:
    """Every tunable of the funnel; `load_settings` reads them from the settings table
    (keys in SETTING_KEYS, benchmarks as 'low-high' fractions, e.g. '0.2-0.4')."""

    mql_label: str = "MQL"
    srl_label: str = "SRL"
    sql_label: str = "SQL"
    fast_minutes: float = 5.0
    sla_target_minutes: float = 30.0
    sla_max_minutes: float = 1440.0
    lead_cap: int = 500
    lead_age_days: int = 60
    stall_days: int = 60
    bench_mql_srl: tuple[float, float] = (0.20, 0.40)
    bench_srl_sql: tuple[float, float] = (0.80, 0.90)
    bench_win_new: tuple[float, float] = (0.30, 0.30)
    bench_win_existing: tuple[float, float] = (0.75, 0.75)
    past_quarters: int = 4
    min_past_entrants: int = 20

    def label(self, step_key: str) -> str:
        return {"mql": self.mql_label, "srl": self.srl_label, "sql": self.sql_label}[step_key]


SETTING_KEYS = {
    "mql_label": "lead_stage_label_mql",
    "srl_label": "lead_stage_label_srl",
    "sql_label": "lead_stage_label_sql",
    "fast_minutes": "funnel_fast_response_minutes",
    "sla_target_minutes": "funnel_sla_target_minutes",
    "sla_max_minutes": "funnel_sla_max_minutes",
    "lead_cap": "funnel_lead_cap_per_rep",
    "lead_age_days": "funnel_lead_age_days",
    "stall_days": "funnel_stall_days",
    "bench_mql_srl": "funnel_benchmark_mql_srl",
    "bench_srl_sql": "funnel_benchmark_srl_sql",
    "bench_win_new": "funnel_benchmark_win_new",
    "bench_win_existing": "funnel_benchmark_win_existing",
    "past_quarters": "funnel_past_quarters",
    "min_past_entrants": "funnel_min_past_entrants",
}


def _parse(kind: object, text: str):
    if kind == "tuple[float, float]":
        low, _, high = text.partition("-")
        return (float(low), float(high or low))
    return {"str": str, "float": float, "int": int}[str(kind)](text)


def load_settings(con: duckdb.DuckDBPyConnection) -> FunnelSettings:
    """The funnel settings stored in the settings table, defaults for the rest."""
    found = dict(con.execute("select key, value from settings").fetchall())
    values = {}
    for f in fields(FunnelSettings):
        text = found.get(SETTING_KEYS[f.name])
        if text is not None and text.strip():
            try:
                values[f.name] = _parse(f.type, text.strip())
            except ValueError as exc:
                raise FunnelError(
                    f"Setting {SETTING_KEYS[f.name]} = '{text}' is not valid: {exc}") from exc
    return FunnelSettings(**values)


def save_setting(con: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    """Store one funnel setting (by FunnelSettings field name), checking it parses."""
    kind = {f.name: f.type for f in fields(FunnelSettings)}[name]
    _parse(kind, value)
    db.set_setting(con, SETTING_KEYS[name], value)


@dataclass(frozen=True)
class Window:
    """The window a view looks at (`start`..`end`, inclusive) and the as-of date."""

    start: date
    end: date
    as_of: date
    view: str = "period"

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise FunnelError(f"'{self.view}' is not a view; pick period or cohort.")

    @property
    def last_day(self) -> date:
        """The window's last day that is not after the as-of date."""
        return min(self.end, self.as_of)

    def describe(self) -> str:
        span = f"{self.start:%Y-%m-%d} – {self.last_day:%Y-%m-%d}"
        if self.view == "period":
            return f"period view: events {span}"
        return f"cohort view: leads created {span}, followed to {self.as_of:%Y-%m-%d}"


@dataclass(frozen=True, eq=False)
class Scope:
    """The funnel of one team as of one date, split one way (see `prepare`).

    catalog: one row per step shown, in funnel order: step_key, step_order, label,
    is_required (part of the strict chain), prev_key (the required step before it, NaN for
    the first), got_past / passed (store-wide: records that reached a step before and after
    it, and how many of them passed through it), reached_count and dated_count (the team's
    journeys that reached it, with a date).
    """

    root_id: str
    as_of: date
    dimension: str | None
    settings: FunnelSettings
    catalog: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    # the key of the temporary tables it reads (see use_tables); None: the store's tables
    tables_key: str | None = None

    @property
    def first_key(self) -> str | None:
        return None if self.catalog.empty else str(self.catalog.step_key.iloc[0])

    def label(self, key: str) -> str:
        return step_label(key, self.settings)

    def has(self, key: str) -> bool:
        return key in set(self.catalog.step_key)


def step_label(key: str, settings: FunnelSettings) -> str:
    """What a step or exit is called on screen."""
    if key in LEAD_STEPS:
        return settings.label(key)
    if key.startswith("stage:"):
        return key.removeprefix("stage:")
    return {"opportunity": "Opportunity", "won": "Won", **EXITS}.get(key, key)


def _check_dimension(dimension: str | None) -> None:
    if dimension is not None and dimension not in DIMENSIONS:
        raise FunnelError(
            f"'{dimension}' cannot split the funnel; pick one of {', '.join(DIMENSIONS)}.")


def _catalog(con: duckdb.DuckDBPyConnection, settings: FunnelSettings,
             root_id: str) -> pd.DataFrame:
    cat = queries.frame(con, "funnel_catalog_counts", root_id=root_id)
    cat["label"] = [step_label(k, settings) for k in cat.step_key]
    prev, last_required = [], None
    for row in cat.itertuples():
        prev.append(last_required)
        if row.is_required:
            last_required = row.step_key
    cat["prev_key"] = pd.Series(prev, index=cat.index, dtype="str")
    cols = ["step_key", "step_order", "label", "is_required", "prev_key", "got_past", "passed",
            "reached_count", "dated_count"]
    return cat[cols]


# ---- the derived tables ---------------------------------------------------------------------
# The funnel's tables are built once per change of the data, for every team at once, by
# forecast.aggregates (DERIVED["funnel"]): as of the store's data date, with the stored stall
# limit. Every team, window, view and split of that date is then a sum over them (or, for the
# medians, a read of one window's rows). A report for another as-of date or stall limit
# (a past date picked in the sidebar, a setting tried out) gets the same tables built for it
# on its cursor, as temporary tables of the same names: they shadow the store's until the
# cursor's transaction ends or the report asks for the data date again.

TEMP_CREATE = ("create or replace table ", "create or replace temp table ")
# build steps the temporary tables skip: their params are written here, the macros are the
# store's
_STORE_ONLY = {"derived_funnel_params", "derived_funnel_members"}


def _stored_stall_days(con: duckdb.DuckDBPyConnection) -> int:
    """The stall limit the store's tables are built with (derived_funnel_params.sql: the
    setting when it is a whole number, else the default)."""
    text = db.get_setting(con, SETTING_KEYS["stall_days"], "").strip()
    try:
        return int(text)
    except ValueError:
        return FunnelSettings.stall_days


def _temporary_key(con: duckdb.DuckDBPyConnection) -> str | None:
    """The key of the temporary tables `con` has (None: none). A page run's transaction
    keeps it among its notes: only this module's build and drop change it, and a report
    asks a dozen times."""
    notes = aggregates.held_notes(con)
    if notes is not None and _TEMPORARY in notes:
        return notes[_TEMPORARY]
    found = con.execute(
        "select 1 from duckdb_tables() where temporary and table_name = 'derived_funnel_params'"
    ).fetchall()
    key = con.execute("select build_key from temp.derived_funnel_params").fetchall()[0][0] \
        if found else None
    _note_temporary(con, key)
    return key


_TEMPORARY = "funnel temporary tables"


def _note_temporary(con: duckdb.DuckDBPyConnection, key: str | None) -> None:
    notes = aggregates.held_notes(con)
    if notes is not None:
        notes[_TEMPORARY] = key


def _drop_temporary(con: duckdb.DuckDBPyConnection) -> None:
    # the build's own table names (aggregates.DERIVED), never a name from elsewhere
    for name in aggregates.DERIVED["funnel"][1]:
        if name != "derived_funnel_members":
            con.execute("drop table if exists temp." + name)
    _note_temporary(con, None)


def _build_temporary(con: duckdb.DuckDBPyConnection, key: str, as_of: date,
                     stall_days: int, root_id: str) -> None:
    _drop_temporary(con)
    con.execute(
        "create temp table derived_funnel_params as select $as_of::date as as_of_date, "
        "$stall::integer as stall_days, $root::varchar as root_id, $key as build_key",
        {"as_of": as_of, "stall": stall_days, "root": root_id, "key": key})
    try:
        for name in aggregates.DERIVED["funnel"][1]:
            if name not in _STORE_ONLY:
                con.execute(queries.sql(name).replace(*TEMP_CREATE))
    except BaseException:
        _drop_temporary(con)
        raise
    _note_temporary(con, key)


def use_tables(con: duckdb.DuckDBPyConnection, as_of: date, stall_days: int,
               root_id: str) -> str | None:
    """Make the funnel's derived tables that `con` reads hold the funnel as of `as_of` with
    `stall_days`: the store's (built once per change of the data, every team) when that is
    the data date and the stored stall limit, else temporary ones of `root_id`'s team built
    for it on this cursor (kept while the cursor's transaction lasts). Returns the temporary
    tables' key, None for the store's."""
    aggregates.ensure(con, "funnel")
    if as_of == asof.data_date(con) and stall_days == _stored_stall_days(con):
        if _temporary_key(con) is not None:
            _drop_temporary(con)
        return None
    fingerprint = aggregates.fingerprint(con, "funnel")
    key = f"{as_of.isoformat()}|{stall_days}|{root_id}|{fingerprint}"
    if _temporary_key(con) != key:
        _build_temporary(con, key, as_of, stall_days, root_id)
    return key


def prepare(
    con: duckdb.DuckDBPyConnection, root_id: str, as_of: date, dimension: str | None = None,
    settings: FunnelSettings | None = None,
) -> Scope:
    """Describe the funnel of `root_id`'s team as of `as_of`, split by `dimension` (a
    DIMENSIONS key or None): the steps the data holds and what is missing. The numbers come
    from the derived tables (`use_tables`), for every team and split alike."""
    _check_dimension(dimension)
    settings = settings or load_settings(con)
    key = use_tables(con, as_of, settings.stall_days, root_id)
    scope = Scope(root_id, as_of, dimension, settings, _catalog(con, settings, root_id),
                  tables_key=key)
    return replace(scope, notes=tuple(coverage_notes(con, scope)))


def ensure(con: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    """Make the tables `con` reads the ones `prepare` found for `scope` (see `use_tables`);
    a quick check when they already are."""
    found = _temporary_key(con)
    if scope.tables_key is None and found is not None:
        _drop_temporary(con)
    elif scope.tables_key is not None and found != scope.tables_key:
        use_tables(con, scope.as_of, scope.settings.stall_days, scope.root_id)


def team_params(scope: Scope) -> dict[str, str]:
    """The team as every funnel_* query takes it: its root (funnel_team reads the members
    from derived_funnel_teams)."""
    return {"root_id": scope.root_id}


def scope_params(scope: Scope) -> dict:
    """The team and the split, as the funnel_* queries that split take them."""
    return {**team_params(scope), "dimension": scope.dimension}


# ---- what is missing ----------------------------------------------------------------------


def coverage_notes(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str]:
    """Plain sentences about what the data lacks and what that means for the numbers."""
    cov = con.execute("select * from derived_funnel_coverage").df().iloc[0]
    s, notes = scope.settings, []
    labels = [s.mql_label, s.srl_label, s.sql_label]
    if cov.lead_count == 0:
        notes.append(f"No lead data: {labels[0]}, {labels[1]} and {labels[2]} are missing; "
                     "the funnel starts at the opportunity, and speed to lead, rep load and "
                     "no-shows cannot be shown.")
    else:
        missing = [lab for lab, n in zip(labels, cov[["mql_count", "srl_count", "sql_count"]],
                                         strict=True) if n == 0]
        if missing:
            notes.append(f"The lead data has no {', '.join(missing)} dates: "
                         f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing "
                         "from the funnel.")
        if not any(scope.has(k) for k in LEAD_STEPS):
            notes.append(f"No leads of this team reached {labels[0]} by "
                         f"{scope.as_of:%Y-%m-%d}.")
        if cov.response_count == 0:
            notes.append("The lead data has no first-response times: speed to lead and SLA "
                         "compliance are missing.")
        if cov.demo_count == 0:
            notes.append("The lead data has no demo bookings: no-shows are missing.")
    if cov.opportunity_count == 0:
        notes.append("No opportunity data: the opportunity stages, Won and Lost are missing.")
    elif cov.stage_event_count == 0:
        notes.append("No stage history (stage events): each deal counts only at the stage it "
                     "is in now, and time in stage cannot be measured.")
    if cov.opportunity_count and cov.won_count == 0:
        notes.append("No won deals yet: leads without an opportunity have no value, and leak "
                     "values cannot be sized.")
    side = scope.catalog[~scope.catalog.is_required.astype(bool)]
    if len(side):
        parts = [f"{r.label} ({r.passed:,} of {r.got_past:,})" for r in side.itertuples()]
        notes.append(
            f"Side {'step' if len(side) == 1 else 'steps'}: {_join(parts)}: of the records "
            "that went past each, that many are known to have passed through it. Strict counts "
            "do not require a side step, and the next step's conversion is measured from the "
            "step before it.")
    undated = scope.catalog[scope.catalog.dated_count < scope.catalog.reached_count]
    if len(undated):
        parts = [f"{r.label} {r.reached_count - r.dated_count:,} of {r.reached_count:,}"
                 for r in undated.itertuples()]
        notes.append(
            f"Entries without a date: {_join(parts)}. The period view cannot place them; the "
            "cohort view counts them when the journey's start is known.")
    return notes


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ---- counts per step ----------------------------------------------------------------------


def window_parts(windows: dict[str, tuple[date, date]], as_of: date) -> dict[str, list]:
    """Parallel-list parameters for the SQL: each window (start..end, inclusive, seen up to
    `as_of`) as the whole months it covers ($month_ids[i] covers the
    month starting $months[i]) and its other days ($day_ids[i] covers $days[i]). A month is
    whole when the window holds it up to its last day or to `as_of` (the derived tables hold
    nothing later), so every fiscal period, quarter and month is months only."""
    out: dict[str, list] = {"month_ids": [], "months": [], "day_ids": [], "days": []}
    for window_id, (start, end) in windows.items():
        end = min(end, as_of)
        month = start.replace(day=1)
        while month <= end:
            after = (month + timedelta(days=32)).replace(day=1)
            last = min(after - timedelta(days=1), as_of)
            if start <= month and last <= end:
                out["month_ids"].append(window_id)
                out["months"].append(month)
            else:
                day = max(month, start)
                while day <= min(last, end):
                    out["day_ids"].append(window_id)
                    out["days"].append(day)
                    day += timedelta(days=1)
            month = after
    return out


def step_counts(
    con: duckdb.DuckDBPyConnection, scope: Scope, view: str,
    windows: dict[str, tuple[date, date]],
) -> pd.DataFrame:
    """One row per window, split value, deal type and step or exit (funnel_step_counts.sql):
    entrants_any, entrants_strict, value_any_usd, value_strict_usd."""
    ensure(con, scope)
    return queries.frame(con, "funnel_step_counts", view=view, **scope_params(scope),
                         **window_parts(windows, scope.as_of))


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, NaN where den is 0 (never a division by zero)."""
    den = den.astype(float)
    return num.astype(float) / den.where(den != 0)


COUNT_COLUMNS = ["entrants_any", "entrants_strict", "value_any_usd", "value_strict_usd"]


def step_table(counts: pd.DataFrame, scope: Scope, groups: pd.DataFrame) -> pd.DataFrame:
    """One row per row of `groups` (key columns, e.g. split_value) and catalog step, every
    pair present (0 where nobody), with both countings: entrants_*, value_*_usd,
    prev_entrants_* (NaN for the first step), conv_next_* (from prev_key; NaN for a side
    step) and conv_cum_* (from the first step). Sorted by the keys, then step order.

    Worked in plain Python: the frames hold a few hundred rows, where each pandas merge or
    groupby costs more than all of the arithmetic."""
    keys = list(groups.columns)
    sums = _count_sums(counts, keys)
    cat = list(scope.catalog[["step_key", "step_order", "label", "is_required", "prev_key"]]
               .itertuples(index=False, name=None))
    rows = []
    for group in groups.drop_duplicates().itertuples(index=False, name=None):
        got = {step[0]: sums.get((*group, step[0]), _NOBODY) for step in cat}
        first = got[scope.first_key] if cat else _NOBODY
        rows += [(*group, *step, *got[step[0]], *_conversions(got, step, first))
                 for step in cat]
    table = pd.DataFrame(rows, columns=[*keys, "step_key", "step_order", "label", "is_required",
                                        "prev_key", *COUNT_COLUMNS, *STEP_TABLE_RATES])
    return table.sort_values([*keys, "step_order"], kind="stable").reset_index(drop=True)


_NOBODY = (0, 0, 0.0, 0.0)
STEP_TABLE_RATES = ["prev_entrants_any", "prev_entrants_strict", "conv_next_any",
                    "conv_cum_any", "conv_next_strict", "conv_cum_strict"]


def _count_sums(counts: pd.DataFrame, keys: list[str]) -> dict[tuple, tuple]:
    """COUNT_COLUMNS summed per `keys` + step_key (a missing value counts as 0, a row with a
    missing key is left out, as in a pandas groupby)."""
    columns = [counts[c].tolist() for c in [*keys, "step_key", *COUNT_COLUMNS]]
    width = len(keys) + 1
    sums: dict[tuple, list] = {}
    for row in zip(*columns, strict=True):
        key, values = row[:width], row[width:]
        if any(k is None or k != k for k in key):
            continue
        into = sums.setdefault(key, [0, 0, 0.0, 0.0])
        for i, v in enumerate(values):
            if v == v and v is not None:
                into[i] += v
    return {k: tuple(v) for k, v in sums.items()}


def _conversions(got: dict[str, tuple], step: tuple, first: tuple) -> tuple:
    """prev_entrants_any/strict, then conv_next and conv_cum in each counting, for one step
    (`step`: a catalog row) of one group (`got`: its sums per step key)."""
    _, _, _, is_required, prev_key = step
    entrants, before = got[step[0]][:2], got.get(prev_key) if isinstance(prev_key, str) else None
    prev = before[:2] if before is not None else (NAN, NAN)
    out = [float(prev[0]), float(prev[1])]
    for i in (0, 1):
        out += [_div(entrants[i], prev[i]) if is_required else NAN, _div(entrants[i], first[i])]
    return tuple(out)


NAN = float("nan")


def _div(num: float, den: float) -> float:
    """num / den, NaN where den is 0 or missing (as _ratio, for one pair)."""
    return num / den if den == den and den != 0 else NAN


def funnel_table(counts: pd.DataFrame, scope: Scope, window_id: str) -> pd.DataFrame:
    """`step_table` of one window, one row per split value and step."""
    part = counts[counts.window_id == window_id]
    splits = sorted(set(part.split_value)) or ["All"]
    return step_table(part, scope, pd.DataFrame({"split_value": splits}))


def choose(table: pd.DataFrame, counting: str) -> pd.DataFrame:
    """A funnel table in one counting: entrants, value_usd, conv_next, conv_cumulative;
    split values with no entrant at any step in that counting are left out."""
    if counting not in COUNTINGS:
        raise FunnelError(f"'{counting}' is not a counting; pick strict or any.")
    sums = table.groupby("split_value")[f"entrants_{counting}"].transform("sum")
    if (sums > 0).any():  # split values with nobody in this counting are left out
        table = table[sums > 0]
    picked = table.rename(columns={
        f"entrants_{counting}": "entrants", f"value_{counting}_usd": "value_usd",
        f"conv_next_{counting}": "conv_next", f"conv_cum_{counting}": "conv_cumulative",
        f"prev_entrants_{counting}": "prev_entrants"})
    return picked[["split_value", "step_key", "label", "prev_key", "is_required", "entrants",
                   "value_usd", "prev_entrants", "conv_next", "conv_cumulative"]]


def exit_table(counts: pd.DataFrame, window_id: str) -> pd.DataFrame:
    """One row per split value and exit (EXITS order, 0 where none): journeys, value."""
    part = counts[counts.window_id == window_id]
    sums = _count_sums(part, ["split_value"])
    splits = sorted(set(part.split_value)) or ["All"]
    rows = [(split, key, *sums.get((split, key), _NOBODY)[::2], label)
            for split in splits for key, label in EXITS.items()]
    return pd.DataFrame(rows, columns=["split_value", "step_key", "journeys", "value_usd",
                                       "label"])


def totals(table: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The funnel table summed over split values (conversions recomputed, not averaged)."""
    return step_table(table.assign(split_value="All"), scope,
                      pd.DataFrame({"split_value": ["All"]}))


# ---- flows, cohorts ---------------------------------------------------------------------


def flows(con: duckdb.DuckDBPyConnection, scope: Scope, window: Window) -> pd.DataFrame:
    """Moves between steps and into exits (funnel_flows.sql) with labels: from_key, to_key,
    from_label, to_label, journey_count."""
    ensure(con, scope)
    parts = window_parts({"window": (window.start, window.last_day)}, scope.as_of)
    out = queries.frame(con, "funnel_flows", **team_params(scope), view=window.view,
                        months=parts["months"], days=parts["days"])
    return out.assign(from_label=[scope.label(k) for k in out.from_key],
                      to_label=[scope.label(k) for k in out.to_key])


def month_windows(last_day: date, months: int = 12) -> dict[str, tuple[date, date]]:
    """The `months` calendar months ending with the month of `last_day`, oldest first."""
    out: dict[str, tuple[date, date]] = {}
    first = last_day.replace(day=1)
    for _ in range(months):
        after = (first + timedelta(days=32)).replace(day=1)
        out[f"{first:%Y-%m}"] = (first, after - timedelta(days=1))
        first = (first - timedelta(days=1)).replace(day=1)
    return dict(reversed(list(out.items())))


def cohort_grid(con: duckdb.DuckDBPyConnection, scope: Scope, last_day: date,
                months: int = 12) -> pd.DataFrame:
    """Monthly cohorts (journeys started in the month) x step: entrants and the share of the
    cohort's first-step entrants that reached the step by the as-of date, both countings.
    One row per cohort month and step, every pair present."""
    windows = month_windows(last_day, months)
    counts = step_counts(con, scope, "cohort", windows)
    grid = step_table(counts, scope, pd.DataFrame({"window_id": list(windows)}))
    return grid.rename(columns={"window_id": "cohort_month"})[
        ["cohort_month", "step_key", "label", "entrants_any", "entrants_strict",
         "conv_cum_any", "conv_cum_strict"]]


# ---- the records behind a number ----------------------------------------------------------


def records(
    con: duckdb.DuckDBPyConnection, scope: Scope, window: Window, step_key: str, *,
    from_key: str | None = None, strict_only: bool = False, split_value: str | None = None,
    deal_type: str | None = None, limit: int = 5000,
) -> pd.DataFrame:
    """The journeys behind a number (funnel_records.sql, latest first, at most `limit`):
    those the view counts at `step_key` (a step or exit); with `from_key`, those counted at
    `from_key` that had not reached `step_key` by the as-of date (the leak)."""
    ensure(con, scope)
    return queries.frame(
        con, "funnel_records", **scope_params(scope), view=window.view, start=window.start,
        end=window.last_day,
        step_key=step_key, from_key=from_key, strict_only=strict_only,
        split_value=split_value, deal_type=deal_type, limit=limit)
