"""The sales hierarchy as of a date: who reports to whom, and who is in a team."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from forecast import queries


class TeamError(ValueError):
    """A team (hierarchy node) that cannot be shown; the message says why."""


def people_as_of(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Every active person on `as_of` with manager and depth from the top (0 = no manager)."""
    return queries.frame(con, "people_as_of", as_of=as_of)


def team(con: duckdb.DuckDBPyConnection, root_id: str, as_of: date) -> pd.DataFrame:
    """The subtree of `root_id` on `as_of` (root included), or TeamError if not there."""
    members = con.execute(
        "select t.person_id, t.manager_id, t.depth, p.name "
        "from team_members($root, $as_of) t join people p using (person_id) "
        "order by t.depth, p.name",
        {"root": root_id, "as_of": as_of},
    ).df()
    if members.empty:
        raise TeamError(
            f"'{root_id}' is not an active person in the hierarchy on {as_of:%Y-%m-%d}.")
    return members


def default_root(con: duckdb.DuckDBPyConnection, as_of: date) -> str | None:
    """The person at the top with the largest team, the natural first view."""
    people = people_as_of(con, as_of)
    if people.empty:
        return None
    ranked = people.sort_values(["depth", "team_size"], ascending=[True, False])
    return str(ranked.iloc[0].person_id)


def labels(people: pd.DataFrame) -> dict[str, str]:
    """person_id -> "  Name, Title · team size", indented by depth (for pickers)."""
    titles = people.title.where(people.title.notna() & (people.title != ""), None)
    return {
        pid: f"{'  ' * int(depth)}{name}{f', {title}' if title else ''} · {int(size)}"
        for pid, depth, name, title, size in zip(
            people.person_id, people.depth, people["name"], titles, people.team_size,
            strict=True)
    }
