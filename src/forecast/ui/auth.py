"""Sign-in: who is looking, what they may see, and the sidebar line that says so.

Sign-in is on when `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's OpenID
Connect login, `st.login`); without one the app runs in single-user mode and says so in the
sidebar. The signed-in user is read in one place, `_user_claims()`, which returns what
`st.user` holds. Tests set `AppTest.user` (Streamlit's own test hook for `st.user`) and
`AppTest.secrets`, so the code path under test is the one a real login takes; nothing here
honours a test-only switch that a deployment could turn on by mistake.

Every cached read that takes a team goes through `scoped`, which refuses a team outside the
viewer's subtree before the cache is consulted: whatever route a team id arrives by (picker,
URL, session state, drill-down), a refused id never reaches a cached result.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date

import streamlit as st

from forecast import access, asof
from forecast.ui.store import cached_read, cursor

KEY_AS_OF = "as_of_date"  # the sidebar's as-of date (forecast.ui.controls.KEY_AS_OF)
_VIEWER_KEY = "_viewer_identity"
_CACHE = dict(max_entries=256, ttl=600, show_spinner=False)


def _user_claims() -> dict:
    """What the identity provider said about the user (empty without sign-in)."""
    return st.user.to_dict()


def _secrets_section(name: str) -> dict:
    if not st.secrets.load_if_toml_exists():
        return {}
    return dict(st.secrets.get(name) or {})


def sign_in_configured() -> bool:
    return bool(_secrets_section("auth"))


def admin_emails() -> tuple[str, ...]:
    """`[access] admins = [...]` in secrets.toml; empty = the people at the top."""
    listed = _secrets_section("access").get("admins", ())
    return (listed,) if isinstance(listed, str) else tuple(listed)


@cached_read(**_CACHE)
def _viewer_for(email: str, admins: tuple[str, ...]) -> access.Viewer:
    with cursor() as cur:
        return access.viewer_for(cur, email, admins)


def current_viewer() -> access.Viewer | None:
    """The viewer of this run; None when sign-in is on and nobody is signed in."""
    if not sign_in_configured():
        return access.SINGLE_USER
    claims = _user_claims()
    if not claims.get("is_logged_in"):
        return None
    email = str(claims.get("email") or "").strip()
    if not email:
        return access.Viewer(email="an account without an email address", why_unmatched=(
            "Your sign-in gave no email address, so it cannot be matched to a person: sign in "
            "with an account that has one."))
    if claims.get("email_verified") is False:
        # an unverified address proves nothing about whose team this is
        return access.Viewer(email=email, why_unmatched=(
            f"The sign-in provider has not verified {email}, so it cannot be matched to a "
            "person: verify it with the provider and sign in again."))
    try:
        return _viewer_for(email, admin_emails())
    except access.AccessError as exc:  # e.g. two people share the email
        return access.Viewer(email=email, why_unmatched=str(exc))


@cached_read(**_CACHE)
def _subtree(person_id: str, as_of_date: date) -> frozenset[str]:
    with cursor() as cur:
        return access.subtree_ids(cur, person_id, as_of_date)


def visible_ids(viewer: access.Viewer, as_of_date: date) -> frozenset[str] | None:
    """Who the viewer may see on `as_of_date`; None = everyone (cached per person)."""
    if viewer.sees_everything:
        return None
    if viewer.person_id is None:
        return frozenset()
    return _subtree(viewer.person_id, as_of_date)


def refusal(team: str, as_of_date: date) -> str | None:
    """Why the current viewer may not see `team` on `as_of_date`, None if they may."""
    viewer = current_viewer()
    if viewer is None:
        return "Sign in to see the numbers."
    return access.refusal(viewer, team, as_of_date, visible_ids(viewer, as_of_date))


def visible_rows(frame, column: str, as_of_date: date):
    """The rows of `frame` whose team id in `column` the viewer may see on `as_of_date` (all
    of them when the viewer sees everything): for lists shared by the whole store, such as
    saved scenarios, whose rows belong to the team they were made for."""
    viewer = current_viewer()
    visible = visible_ids(viewer, as_of_date) if viewer else frozenset()
    return frame if visible is None else frame[frame[column].isin(visible)]


def require_team(team: str, as_of_date: date) -> None:
    """Stop the page with a plain message if the viewer may not see `team`."""
    why = refusal(team, as_of_date)
    if why:
        st.error(why)
        st.stop()


def _chosen_date() -> date:
    chosen = st.session_state.get(KEY_AS_OF)
    if isinstance(chosen, date):
        return chosen
    with cursor() as cur:
        return asof.data_date(cur)


def scoped(date_arg: str | None = "as_of_date") -> Callable:
    """Decorate a cached read whose first argument is a team id: the team is checked against
    the viewer's subtree on the date in `date_arg` (None: the sidebar's as-of date) first."""

    def wrap(read: Callable) -> Callable:
        names = list(inspect.signature(read).parameters)

        @functools.wraps(read)
        def checked(*args, **kwargs):
            bound = dict(zip(names, args, strict=False)) | kwargs
            day = bound.get(date_arg) if date_arg else None
            require_team(bound[names[0]], day if isinstance(day, date) else _chosen_date())
            return read(*args, **kwargs)

        return checked

    return wrap


def _forget_other_viewer(viewer: access.Viewer | None) -> None:
    """Drop everything the session kept when the person at the keyboard changes, so no
    widget value, kept team or message of one viewer reaches the next."""
    identity = "single-user" if viewer is None or viewer.email is None else viewer.email
    if st.session_state.get(_VIEWER_KEY, identity) != identity:
        for key in list(st.session_state.keys()):
            if not str(key).startswith("$$"):
                del st.session_state[key]
    st.session_state[_VIEWER_KEY] = identity


def sidebar_identity(viewer: access.Viewer | None) -> None:
    """The line at the top of the sidebar saying who is looking and what they see."""
    if viewer is access.SINGLE_USER:
        st.sidebar.info("**Single-user mode**: sign-in is not configured, so whoever opens "
                        "the app sees every team and may import.", icon=":material/person:")
        return
    if viewer is None:
        return
    what = ("every team, and the Data page (admin)" if viewer.is_admin else
            "your own team and the people below you" if viewer.person_id else "nothing")
    st.sidebar.success(f"Signed in as **{viewer.email}**: you see {what}.",
                       icon=":material/verified_user:")
    if st.sidebar.button("Sign out", key="sign_out"):
        st.logout()


def gate() -> access.Viewer:
    """Say who is looking at the top of the sidebar, and stop the page when nobody may see
    anything. Every page calls it first (through `controls.sidebar()` or `require_admin()`),
    so it holds even for a run that does not go through app.py: Streamlit runs a page file
    directly on a server's first request when the app has a `pages/` folder."""
    viewer = current_viewer()
    _forget_other_viewer(viewer)
    sidebar_identity(viewer)
    if viewer is None:
        st.info("Sign in to see the numbers of your team.")
        if st.button("Sign in", type="primary", key="sign_in"):
            st.login()
        st.stop()
    if viewer.sees_nothing:
        st.error(access.nothing_visible_message(viewer, date.today()))
        st.stop()
    return viewer


def _gate_page() -> None:
    st.title("Sales forecast")
    gate()


def pages_for(pages: list, data_page) -> list:
    """The pages this viewer may open: all of them in single-user mode and for an admin;
    without the Data page for everyone else; only the sign-in page (or a plain message) when
    there is nothing to see."""
    viewer = current_viewer()
    if viewer is None:
        return [st.Page(_gate_page, title="Sign in", url_path="sign-in")]
    if viewer.sees_nothing:
        return [st.Page(_gate_page, title="No access", url_path="no-access")]
    if viewer.email is None or viewer.is_admin:
        return [*pages, data_page]
    return pages


def require_admin() -> None:
    """Stop a whole-store page (Data) for anyone who is not an admin."""
    viewer = gate()
    if viewer.email is not None and not viewer.is_admin:
        st.error("The Data page shows the whole store and its imports: it is open to admins "
                 "only (the emails under [access] admins in secrets.toml, else the people at "
                 "the top of the hierarchy).")
        st.stop()


def author_input(label: str, key: str, help: str | None = None) -> str:
    """Who is writing: the signed-in viewer's email, shown and not editable (a call or an
    adjustment must not be entered under someone else's name); in single-user mode, typed."""
    viewer = current_viewer()
    if viewer is not None and viewer.email is not None:
        st.text_input(label, value=viewer.email, key=key, disabled=True,
                      help="Your sign-in: kept with what you enter.")
        return viewer.email
    return st.text_input(label, key=key, max_chars=200, help=help)
