"""Derived tables: sums built once from the deals and their history, so that a question about
a million deals reads thousands of rows, not millions.

Every rollup in the product (a team's closed, commit, best case and pipeline for a period,
the call ladder, the weekly trend, the same week of earlier periods, caller accuracy) adds
deal amounts up by owner and category over the deals closing in a period, as they stood at a
weekly snapshot or now. The derived tables hold those sums per owner, close month and
category at every point, so a team and period is a sum over a few thousand rows. Fiscal
periods are whole calendar months, so the month grain answers every period exactly.

- `derived_state_sums` and `derived_closed_sums` (sql/queries/derived_*.sql): the deal
  states of the `deal_states` macro, summed per point, owner, close month and category.
- `derived_stage_stays`: completed stays in each stage, counted per stage, end day and
  length, for the usual (median) time in stage as of any date.
- `derived_deal_history`: per deal, close-date pushes, highest amount and last change over
  the whole weekly history, for the deal list as of the latest data.
- `derived_deal_facts`: per live deal, its names, history summary and entry into its
  current stage, for the Forecast review's deal list as of the latest data.
- `derived_movement_pairs`: the deals open at the last snapshot before this week or now,
  summed per owner, close month, category and movement flags, for the default
  week-over-week bridge (forecast.movement).
- `derived_whatif_points` and `derived_whatif_history`: the history the What-if chances
  are learned from for the opening view (forecast.whatif).
- `derived_funnel_*` (forecast.funnel): every journey and funnel step as of the data date,
  and their sums per view, month, owner, source, segment and deal type, so that the Funnel
  page's team, window, view and split are sums over them.
- `derived_sources`: per derived table, a fingerprint of its sources when it was built.

Rebuilt, never edited, and never a source of truth: `ensure` compares a fingerprint of the
source tables (row counts, latest dates and update times, the snapshot dates
and the stages table; see derived_sources.sql) with the one stored at the last build and
rebuilds when they differ, whoever changed the data (an import, a snapshot, the demo
builder, a test). A rebuild reads everything once (about ten seconds at a million deals,
the funnel's tables about half a minute more). The
command line's demo, import and snapshot commands call `refresh` right away, so the first
page after them is fast; after an import in the app the first read rebuilds. Dropping the
tables loses nothing: the next read rebuilds them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import duckdb

from forecast import queries

# derived table set -> (fingerprint queries, build queries in order); a set built from the
# sources of two others is fingerprinted by both their queries
DERIVED = {
    "state_sums": (("derived_sources",), ("derived_state_sums", "derived_closed_sums")),
    "stage_stays": (("derived_stage_stays_source",), ("derived_stage_stays",)),
    "deal_history": (("derived_deal_history_source",), ("derived_deal_history",)),
    "whatif": (("derived_whatif_source",), ("derived_whatif_points", "derived_whatif_history")),
    "deal_facts": (("derived_sources", "derived_stage_stays_source"), ("derived_deal_facts",)),
    "movement": (("derived_sources",), ("derived_movement_pairs",)),
    "funnel": (("derived_funnel_source",), tuple(f"derived_funnel_{t}" for t in (
        "params", "teams", "members", "catalog", "coverage", "journey_base", "steps", "journeys",
        "step_months", "step_totals", "flow_months", "vs_months", "stage_visits",
        "step_spans", "open_leads"))),
}

_BUILDING = threading.Lock()  # one build at a time per process; readers wait for it


@dataclass
class _Held:
    """What one read transaction has learnt: its snapshot cannot change, so a fingerprint
    read or a set made current in it stays so until it ends (see `hold`)."""

    con: duckdb.DuckDBPyConnection
    parts: dict[str, str] = field(default_factory=dict)  # fingerprint query -> its value
    current: set[str] = field(default_factory=set)  # derived table sets checked in it
    stored: dict[str, str] | None = None  # derived_sources as read in it, once
    # what other readers learnt in it and keep up to date themselves (see `held_notes`)
    notes: dict[str, object] = field(default_factory=dict)


_held = threading.local()  # per thread (a script run is a thread): its held transaction


def hold(con: duckdb.DuckDBPyConnection, current: bool = False) -> None:
    """`con` has just begun a read-only transaction (a page run's): until `release`, each
    derived table set is checked once in it instead of at every read, and each fingerprint
    query runs once (a page run makes a dozen reads; a check costs 5-10 ms at 1M deals).
    `current`: every set was just made current for the very data this transaction reads
    (the caller knows it by the data version, see forecast.ui.store), so none is checked."""
    _held.state = _Held(con, current=set(DERIVED) if current else set())


def release() -> None:
    _held.state = None


def _held_by(con: duckdb.DuckDBPyConnection) -> _Held | None:
    state = getattr(_held, "state", None)
    return state if state is not None and state.con is con else None


def held_notes(con: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    """Facts a reader may keep until `con`'s held transaction ends, when it holds one (None
    otherwise): only what the snapshot and the reader's own writes decide."""
    held = _held_by(con)
    return None if held is None else held.notes


def _stored(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    con.execute(
        "create table if not exists derived_sources "
        "(derived varchar primary key, fingerprint varchar not null, built_at timestamp)")
    held = _held_by(con)
    if held is not None:  # every set's, in one read
        if held.stored is None:
            held.stored = dict(con.execute(
                "select derived, fingerprint from derived_sources").fetchall())
        return held.stored.get(name)
    found = con.execute(
        "select fingerprint from derived_sources where derived = $name", {"name": name}
    ).fetchall()
    return found[0][0] if found else None


def _part(con: duckdb.DuckDBPyConnection, query: str) -> str:
    held = _held_by(con)
    if held is None:
        return str(queries.rows(con, query)[0][0])
    if query not in held.parts:
        held.parts[query] = str(queries.rows(con, query)[0][0])
    return held.parts[query]


def fingerprint(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """What the sources of the derived table set `name` look like now."""
    return " || ".join(_part(con, query) for query in DERIVED[name][0])


def _build(con: duckdb.DuckDBPyConnection, name: str, fingerprint: str) -> None:
    for query in DERIVED[name][1]:
        con.execute(queries.sql(query))
    # written last: a build cut short leaves the old fingerprint, so the next read rebuilds
    con.execute(
        "insert or replace into derived_sources values ($name, $fp, current_timestamp)",
        {"name": name, "fp": fingerprint})
    held = _held_by(con)
    if held is not None and held.stored is not None:
        held.stored[name] = fingerprint


def ensure(con: duckdb.DuckDBPyConnection, name: str = "state_sums") -> None:
    """Make the derived tables `name` (a DERIVED key) match the data, rebuilding if needed."""
    held = _held_by(con)
    if held is not None and name in held.current:
        return
    with _BUILDING:
        current = fingerprint(con, name)
        if _stored(con, name) != current:
            _build(con, name, current)
    if held is not None:
        held.current.add(name)


def ensure_all(con: duckdb.DuckDBPyConnection) -> None:
    """Make every derived table set match the data (a few cheap fingerprint reads when they
    already do)."""
    for name in DERIVED:
        ensure(con, name)


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every derived table set that is out of date (after an import or snapshot),
    the funnel's included."""
    ensure_all(con)
