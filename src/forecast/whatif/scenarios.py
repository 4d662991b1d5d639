"""Named scenarios kept in the store: who saved them and when, never changed.

Saving under a name that exists adds its next version; loading a name gives the latest one.
Names are compared as typed, after trimming spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from forecast.whatif import WhatIfError
from forecast.whatif.levers import Levers

MAX_NAME = 120


def _clean(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise WhatIfError("Give the scenario a name.")
    if len(name) > MAX_NAME:
        raise WhatIfError(f"A scenario name is at most {MAX_NAME} characters.")
    return name


def save(con: duckdb.DuckDBPyConnection, name: str, levers: Levers, saved_by: str,
         at: datetime, note: str = "", period_id: str | None = None,
         team_id: str | None = None, as_of_date: date | None = None) -> int:
    """Store `levers` under `name` as a new version; returns the version number."""
    name = _clean(name)
    if not (saved_by or "").strip():
        raise WhatIfError("Say who is saving the scenario: it is kept with it.")
    try:
        (version,) = con.execute(
                "insert into whatif_scenarios (name, version, levers, note, period_id, team_id, "
            "as_of_date, saved_by, saved_at) "
            "select $name, coalesce(max(version), 0) + 1, $levers, $note, $period, $team, "
            "$as_of, $by, $at from whatif_scenarios where name = $name returning version",
            {"name": name, "levers": levers.to_json(), "note": note, "period": period_id,
             "team": team_id, "as_of": as_of_date, "by": saved_by.strip(), "at": at},
        ).fetchall()[0]
    except duckdb.ConstraintException as exc:
        # someone saved the same name at the same moment: nothing was written
        raise WhatIfError(f"'{name}' was just saved by someone else; save again.") from exc
    return int(version)


def saved(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest version of every scenario, newest first."""
    return con.execute(
        "select name, version, levers, note, period_id, team_id, as_of_date, saved_by, "
        "saved_at from whatif_scenarios "
        "qualify row_number() over (partition by name order by version desc) = 1 "
        "order by saved_at desc, name").df()


def versions(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Every version of one scenario, oldest first."""
    return con.execute(
        "select name, version, levers, note, saved_by, saved_at from whatif_scenarios "
        "where name = $name order by version", {"name": _clean(name)}).df()


@dataclass(frozen=True)
class Saved:
    name: str
    version: int
    levers: Levers
    saved_by: str
    saved_at: datetime
    note: str


def load(con: duckdb.DuckDBPyConnection, name: str, version: int | None = None) -> Saved:
    """Scenario `name`: its latest version, or `version`."""
    found = con.execute(
        "select name, version, levers, saved_by, saved_at, note from whatif_scenarios "
        "where name = $name and ($version is null or version = $version) "
        "order by version desc limit 1",
        {"name": _clean(name), "version": version}).fetchall()
    if not found:
        which = f"version {version} of " if version is not None else ""
        raise WhatIfError(f"There is no saved scenario {which}'{name.strip()}'.")
    name, version, levers, saved_by, saved_at, note = found[0]
    return Saved(name, int(version), Levers.from_json(levers), saved_by, saved_at, note or "")
