"""The sidebar controls every page shares: as-of date, period, team.

Each page draws them first (`sidebar()`). Streamlit forgets a widget's value when the page
changes, so every change is also copied to a permanent key and restored on the next page.

With sign-in on, the team picker offers the viewer's own subtree only, and a team id that
arrives any other way (a `?team=` link, kept session state, a drill-down) is checked against
it too (`forecast.ui.auth`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from forecast import access, asof
from forecast.calendar import Period, period_containing
from forecast.ui import auth, cached

KEY_AS_OF, KEY_PERIOD, KEY_TEAM = "as_of_date", "period_id", "team_id"
QUERY_TEAM = "team"  # ?team=P0001 opens that team, if the viewer may see it


@dataclass(frozen=True)
class Selection:
    as_of_date: date
    period: Period
    root_id: str
    root_name: str




def _keep(key: str) -> None:
    st.session_state[_KEPT + key] = st.session_state[key]


def _bind(key: str, default, allowed=None) -> dict:
    """Widget kwargs that start from the kept value (or `default`) and keep every change.

    The value is written before the widget exists on every run: a widget on a new page is a
    new widget to Streamlit, and would otherwise start from its first option."""
    kept = st.session_state.get(_KEPT + key, default)
    if allowed is not None and kept not in allowed:
        kept = default  # e.g. a person not in the hierarchy of the chosen date
    st.session_state[_KEPT + key] = kept
    st.session_state[key] = kept
    return {"key": key, "on_change": _keep, "args": (key,)}


_KEPT = "_kept_"
_SEEN_LATEST = "_seen_latest_data"


def sidebar() -> Selection | None:
    """Draw the shared controls; None when the store holds no hierarchy yet."""
    viewer = auth.gate()
    latest = cached.data_date()
    first = cached.first_snapshot()
    _follow_new_data(latest)
    st.sidebar.date_input(
        "As of", min_value=first, max_value=max(latest, date.today()),
        **_bind(KEY_AS_OF, latest),
        help="Show deals, categories, reporting lines and quotas as they stood on this date "
        "(the latest weekly snapshot on or before it; the live data from "
        f"{latest:%Y-%m-%d} on).",
    )
    as_of_date = st.session_state[KEY_AS_OF]
    periods = cached.period_ids()
    names = cached.person_names(as_of_date)
    if not periods or not names:
        st.sidebar.info("No hierarchy or calendar loaded yet: see the Data page.")
        return None
    default_period = period_containing(as_of_date).period_id
    st.sidebar.selectbox(
        "Period", periods, format_func=cached.period_labels().get,
        **_bind(KEY_PERIOD, default_period if default_period in periods else periods[0], periods),
    )
    ids = _visible_ids(list(names), viewer, as_of_date)
    _team_from_link(ids, as_of_date)
    st.sidebar.selectbox(
        "Team", ids, format_func=cached.team_labels(as_of_date).get,
        **_bind(KEY_TEAM, ids[0], ids),
        help="Any person in the hierarchy: their own deals and everyone below them, with the "
        "reporting lines of the as-of date. The number after the name is the team size.",
    )
    root_id = st.session_state[KEY_TEAM]
    auth.require_team(root_id, as_of_date)
    try:
        when = cached.resolve(as_of_date)
    except asof.AsOfError as exc:
        st.sidebar.error(str(exc))
        return None
    st.sidebar.caption(f"Showing {when.describe()}.")
    return Selection(as_of_date, cached.period(st.session_state[KEY_PERIOD]), root_id,
                     names[root_id])


def _follow_new_data(latest: date) -> None:
    """Someone looking at the latest data keeps looking at it after an import moves it on;
    a past date they picked stays as it is."""
    seen = st.session_state.get(_SEEN_LATEST)
    if seen is not None and seen != latest and st.session_state.get(_KEPT + KEY_AS_OF) == seen:
        st.session_state[_KEPT + KEY_AS_OF] = latest
    st.session_state[_SEEN_LATEST] = latest


def _visible_ids(ids: list[str], viewer: access.Viewer, as_of_date: date) -> list[str]:
    """The people of `ids` the viewer may pick on `as_of_date`; stops the page if none."""
    visible = auth.visible_ids(viewer, as_of_date)
    if visible is None:
        return ids
    mine = [person for person in ids if person in visible]
    if not mine:
        st.error(access.nothing_visible_message(viewer, as_of_date))
        st.stop()
    return mine


def _team_from_link(ids: list[str], as_of_date: date) -> None:
    """Open the team a `?team=` link names, once; refuse one the viewer may not see."""
    asked = st.query_params.get(QUERY_TEAM)
    if asked is None:
        return
    del st.query_params[QUERY_TEAM]  # else it would override every later choice
    if asked in ids:
        st.session_state[_KEPT + KEY_TEAM] = asked
        return
    st.error(auth.refusal(asked, as_of_date) or
             f"'{asked}' is not an active person in the hierarchy on {as_of_date:%Y-%m-%d}: "
             "showing another team instead.")


def drill_to(person_id: str) -> None:
    """Make `person_id` the team of every page, and rerun to show it."""
    why = auth.refusal(person_id, st.session_state[KEY_AS_OF])
    if why:
        st.error(why)
        return
    st.session_state[_KEPT + KEY_TEAM] = person_id
    st.rerun()
