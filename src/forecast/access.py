"""Who sees what: the teams a viewer may open, and a plain refusal for any other.

A viewer is whoever looks at the numbers: the app's signed-in user or the person a report is
run for (`forecast report --as-user EMAIL`). Without sign-in there is one user, who sees every
team (single-user mode). A signed-in viewer is matched to a person by email (trimmed, case
ignored) and sees that person's subtree, with the reporting lines of the date in view: a rep
who moved teams is seen by the manager of that date. An admin sees every team. A viewer who
matches nobody sees nothing.

Admins, who may also see the whole store and import into it, are the emails configured as
such; when none are configured, the people at the top of the hierarchy (no manager) on the
date of the live data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from forecast import asof


class AccessError(Exception):
    """A team or page the viewer may not see; the message says why in one sentence."""


@dataclass(frozen=True)
class Viewer:
    """email None: single-user mode. person_id None with an email: matched nobody."""

    email: str | None = None
    person_id: str | None = None
    is_admin: bool = False
    why_unmatched: str | None = None  # when the email could not be matched, and not for lack

    @property
    def sees_everything(self) -> bool:
        return self.email is None or self.is_admin

    @property
    def sees_nothing(self) -> bool:
        return not self.sees_everything and self.person_id is None


SINGLE_USER = Viewer()


def normal_email(email: str) -> str:
    return email.strip().lower()


def person_for_email(con: duckdb.DuckDBPyConnection, email: str) -> str | None:
    """The person whose email this is, None if nobody's; AccessError if several share it
    (matching one of them would be a guess about whose team to show)."""
    if not email.strip():
        return None
    found = con.execute(
        "select person_id from people where lower(trim(email)) = $email order by person_id",
        {"email": normal_email(email)},
    ).fetchall()
    if len(found) > 1:
        raise AccessError(f"{len(found)} people share the email {email.strip()}: "
                          "give each person their own email before signing in with it.")
    return found[0][0] if found else None


def top_people(con: duckdb.DuckDBPyConnection, as_of_date: date) -> set[str]:
    """The active people with no manager on `as_of_date`."""
    found = con.execute(
        "select person_id from lines_as_of($as_of) where is_active and manager_id is null",
        {"as_of": as_of_date},
    ).fetchall()
    return {row[0] for row in found}


def viewer_for(con: duckdb.DuckDBPyConnection, email: str,
               admins: Iterable[str] = ()) -> Viewer:
    """The viewer signed in as `email`; admins are the given emails, or when none are given,
    the people at the top of the hierarchy on the date of the live data."""
    person = person_for_email(con, email)
    listed = {normal_email(a) for a in admins}
    if listed:
        is_admin = normal_email(email) in listed
    else:
        is_admin = person is not None and person in top_people(con, asof.data_date(con))
    return Viewer(email=email.strip(), person_id=person, is_admin=is_admin)


def subtree_ids(con: duckdb.DuckDBPyConnection, person_id: str,
                as_of_date: date) -> frozenset[str]:
    """`person_id` and everyone below them on `as_of_date` (people who left included, as in
    every team); empty if the person is not active then."""
    found = con.execute("select person_id from team_members($root, $as_of)",
                        {"root": person_id, "as_of": as_of_date}).fetchall()
    return frozenset(row[0] for row in found)


def visible_ids(con: duckdb.DuckDBPyConnection, viewer: Viewer,
                as_of_date: date) -> frozenset[str] | None:
    """Who the viewer may see on `as_of_date`: None = everyone, empty = nobody."""
    if viewer.sees_everything:
        return None
    if viewer.person_id is None:
        return frozenset()
    return subtree_ids(con, viewer.person_id, as_of_date)


def nothing_visible_message(viewer: Viewer, as_of_date: date) -> str:
    if viewer.why_unmatched:
        return viewer.why_unmatched
    if viewer.person_id is None:
        return (f"You are signed in as {viewer.email}, which matches no person in the "
                "hierarchy: ask an admin to add this email to your person in the people list.")
    return (f"You ({viewer.email}) are not an active person in the hierarchy on "
            f"{as_of_date:%Y-%m-%d}: pick a later as-of date.")


def refusal(viewer: Viewer, team: str, as_of_date: date,
            visible: frozenset[str] | None) -> str | None:
    """Why the viewer may not see `team` on `as_of_date` (None if they may), given what
    `visible_ids` returned for them."""
    if visible is None or team in visible:
        return None
    if not visible:
        return nothing_visible_message(viewer, as_of_date)
    # the refused id is echoed as given: naming whose team it is would tell what is hidden
    return (f"Team '{team}' is outside your own team on {as_of_date:%Y-%m-%d}: "
            "you can see your team and the people below you only.")


def check_team(con: duckdb.DuckDBPyConnection, viewer: Viewer, team: str,
               as_of_date: date) -> None:
    """Nothing if the viewer may see `team` on `as_of_date`; AccessError otherwise."""
    why = refusal(viewer, team, as_of_date, visible_ids(con, viewer, as_of_date))
    if why:
        raise AccessError(why)


def home_team(viewer: Viewer) -> str | None:
    """The team a viewer starts on: their own (None = the usual default, the top)."""
    return None if viewer.sees_everything else viewer.person_id
