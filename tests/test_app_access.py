"""AppTest: with sign-in on, a manager reaches no other team's deals by any route.

AppTest cannot do a real OpenID Connect login, so these tests use Streamlit's own hooks for
it: `AppTest.secrets` holds an `[auth]` section (placeholder values; sign-in is then "on")
and `AppTest.user` is what `st.user` returns, as it would after a login. The app reads it in
one place (`forecast.ui.auth._user_claims`), so nothing in the app is replaced.

The tiny company (tests/tiny_company.py) on 2026-11-20: V at the top; M1 with R1; M2 with R2
(moved from M1 on 2026-11-01) and R3. M1's team sees deals D1, D2, D3 (R1) and D6 (M1); the
other team's deals are D4, D5 (R2) and D7, D8 (R3).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.caching.cache_utils import CachedFunc
from streamlit.testing.v1 import AppTest

from forecast import db
from forecast.ui import controls, whatif_view, widgets
from forecast.whatif import scenarios
from forecast.whatif.levers import Levers

from apptest_helpers import metrics

ROOT = Path(__file__).resolve().parents[1]
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "placeholder-cookie-secret-placeholder",
        "client_id": "placeholder", "client_secret": "placeholder",
        "server_metadata_url": "https://id.example/.well-known/openid-configuration"}
EMAILS = {"V": "vera@tiny.example", "M1": "Max@Tiny.example", "M2": "mia@tiny.example",
          "R1": "rob@tiny.example", "R2": "rae@tiny.example", "R3": "ray@tiny.example"}
MAX = "max@tiny.example"
OTHER_DEALS = {"D4", "D5", "D7", "D8"}
OTHER_PEOPLE = {"M2", "R2", "R3", "Mia Manager", "Rae Rep", "Ray Rep"}
PAGES = ["pages/overview_page.py", "pages/forecast_review.py", "pages/rollup_page.py",
         "pages/funnel_page.py", "pages/whatif_page.py"]
# M1's team on 2026-11-20, 2026-Q4: closed D1 100; commit D2 200; best case D3 300 and D6 50
# (the rep's category); so commit forecast 300, best case forecast 650, open pipeline 550
MAX_NUMBERS = {"Closed": "$100", "Commit forecast": "$300", "Best Case forecast": "$650"}


@pytest.fixture
def store(tiny_db_with_calls):
    con = db.connect(tiny_db_with_calls)
    con.executemany("update people set email = ? where person_id = ?",
                    [(email, pid) for pid, email in EMAILS.items()])
    con.close()
    return tiny_db_with_calls


def app(email: str | None, *, query: dict | None = None, admins: list[str] | None = None,
        script: str = "app.py", logged_in: bool = True) -> AppTest:
    """The app with sign-in on and `email` signed in (None: sign-in on, nobody signed in)."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.secrets["auth"] = AUTH
    if admins is not None:
        at.secrets["access"] = {"admins": admins}
    at.user = {"is_logged_in": logged_in and email is not None, "email": email, "name": "x"}
    at.query_params.update(query or {})
    return at


def shown_text(at: AppTest, downloaded: list[pd.DataFrame]) -> set[str]:
    """Every string in every table shown or offered for download, and every text element."""
    out = set()
    for frame in [*(d.value for d in at.dataframe), *downloaded]:
        for column in frame.columns:
            out |= {str(v).strip() for v in frame[column].dropna()}
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "metric"):
        out |= {str(getattr(e, "value", "")) for e in getattr(at, kind)}
    return out


@pytest.fixture
def downloads(monkeypatch) -> list[pd.DataFrame]:
    """Every frame a page offers for download (the real downloads still run)."""
    offered: list[pd.DataFrame] = []
    real = widgets.downloads

    def record(df, stem, key):
        offered.append(df.copy())
        real(df, stem, key)

    monkeypatch.setattr(widgets, "downloads", record)
    return offered


def test_single_user_mode_is_labelled_and_sees_every_team(tiny_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert any("Single-user mode" in i.value for i in at.sidebar.info)
    assert at.sidebar.selectbox(key="team_id").options == [
        "Vera VP · 6", "  Max Manager · 2", "    Rob Rep · 1", "  Mia Manager · 3",
        "    Rae Rep · 1", "    Ray Rep · 1"]
    at.switch_page("pages/data_page.py").run()
    assert not at.error and at.dataframe  # the Data page is open to the one user


def test_a_manager_picks_from_their_own_subtree(store):
    at = app(MAX)
    at.run()
    assert not at.exception
    assert any("Signed in as **max@tiny.example**" in s.value for s in at.sidebar.success)
    assert not any("Single-user" in i.value for i in at.sidebar.info)
    picker = at.sidebar.selectbox(key="team_id")
    assert (picker.value, picker.options) == ("M1", ["  Max Manager · 2", "    Rob Rep · 1"])
    assert metrics(at) | MAX_NUMBERS == metrics(at)
    # on 2026-10-30 R2 still reported to M1, so M1 sees R2 as of that date
    at.sidebar.date_input(key="as_of_date").set_value(date(2026, 10, 30)).run()
    assert at.sidebar.selectbox(key="team_id").options == [
        "  Max Manager · 3", "    Rob Rep · 1", "    Rae Rep · 1"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("team", ["M2", "R3", "V"])
def test_a_crafted_team_link_is_refused_on_every_page(store, downloads, page, team):
    at = app(MAX)
    at.run()
    at.query_params["team"] = team
    at.switch_page(page).run()
    assert not at.exception
    assert any(f"Team '{team}' is outside your own team" in e.value for e in at.error)
    assert at.sidebar.selectbox(key="team_id").value == "M1"
    seen = shown_text(at, downloads)
    assert not seen & (OTHER_DEALS | OTHER_PEOPLE)
    # the page did show M1's team (every page's caption names it)
    assert any("Max Manager's team" in s for s in seen)


def test_a_link_to_a_team_inside_the_subtree_opens_it(store):
    at = app(MAX, query={"team": "R1"})
    at.run()
    assert not at.error
    assert at.sidebar.selectbox(key="team_id").value == "R1"
    assert metrics(at)["Commit forecast"] == "$300"  # R1 alone: D1 100 + D2 200


def test_kept_session_state_with_another_team_is_refused(store):
    at = app(MAX)
    at.session_state[controls._KEPT + controls.KEY_TEAM] = "M2"
    at.session_state[controls.KEY_TEAM] = "M2"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="team_id").value == "M1"
    assert metrics(at) | MAX_NUMBERS == metrics(at)


def test_deal_lists_and_downloads_hold_the_subtree_only(store, downloads):
    at = app(MAX)
    at.run()
    at.session_state["review_tab"] = "Deals"
    at.switch_page("pages/forecast_review.py").run()
    assert sorted(at.selectbox(key="drill_member").options) == ["Max Manager", "Rob Rep",
                                                               "Whole team"]
    deals = next(d.value for d in at.dataframe if "opportunity_id" in d.value.columns)
    assert sorted(deals.opportunity_id) == ["D1", "D2", "D3", "D6"]
    offered = {tuple(sorted(f.opportunity_id)) for f in downloads if "opportunity_id" in f}
    assert ("D1", "D2", "D3", "D6") in offered
    assert not shown_text(at, downloads) & (OTHER_DEALS | OTHER_PEOPLE)


def test_rollup_ladder_and_drill_stay_in_the_subtree(store, downloads):
    at = app(MAX)
    at.run()
    at.switch_page("pages/rollup_page.py").run()
    assert not at.exception
    ladder = at.dataframe[0].value
    assert ladder.person.str.strip().tolist() == ["Max Manager", "Rob Rep"]
    assert at.selectbox(key="drill_into").options == ["—", "Rob Rep"]
    at.selectbox(key="drill_into").set_value("R1").run()
    assert at.sidebar.selectbox(key="team_id").value == "R1"
    assert not shown_text(at, downloads) & (OTHER_DEALS | OTHER_PEOPLE)


def _crafted_route(route: str) -> None:
    """An AppTest script: the sidebar as usual, then a read of M2's team by hand."""
    from datetime import date

    import streamlit as st

    from forecast.ui import cached, controls, funnel_view

    sel = controls.sidebar()
    day = date(2026, 11, 20)
    reads = {
        "drill_to": lambda: controls.drill_to("M2"),
        "team_forecast": lambda: cached.team_forecast("M2", "2026-Q4", day),
        "deal_list": lambda: cached.deal_list("M2", "2026-Q4", day),
        "movement_between": lambda: cached.movement_between("M2", "2026-Q4",
                                                            date(2026, 11, 13), day),
        "call_accuracy": lambda: cached.call_accuracy("M2", ("2026-Q3",), 6),
        "funnel_journeys": lambda: funnel_view.journeys(
            "M2", "2026-Q4", day, "period", None, "won", None, False, None, None),
    }
    leaked = reads[route]()
    st.write(f"read for {sel.root_id}: {leaked}")


@pytest.mark.parametrize("route", ["drill_to", "team_forecast", "deal_list",
                                   "movement_between", "call_accuracy", "funnel_journeys"])
def test_a_cached_read_of_another_team_is_refused_before_the_cache(store, route):
    at = AppTest.from_function(_crafted_route, args=(route,), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": MAX}
    at.run()
    assert not at.exception
    assert any("Team 'M2' is outside your own team on 2026-11-20" in e.value for e in at.error)
    # drill_to refuses and returns; a cached read stops the script before it returns
    written = [m.value for m in at.markdown]
    assert written == (["read for M1: None"] if route == "drill_to" else [])


def _cached_reads():
    """(module, name, function) for every cached read in the UI package, scoped or not."""
    package = importlib.import_module("forecast.ui")
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"forecast.ui.{info.name}")
        for name, fn in vars(module).items():
            if _is_cached(fn):
                yield module.__name__, name, fn


def _is_cached(fn) -> bool:
    """A st.cache_* function, or one wrapped by auth.scoped and/or store.cached_read."""
    while fn is not None:
        if isinstance(fn, CachedFunc) or isinstance(getattr(fn, "cache", None), CachedFunc):
            return True
        fn = getattr(fn, "__wrapped__", None)
    return False


def test_every_cached_read_that_takes_a_team_is_scoped():
    found = set()
    for module, name, fn in _cached_reads():
        if list(inspect.signature(inspect.unwrap(fn)).parameters)[:1] in (["root_id"],
                                                                          ["team_id"]):
            found.add(name)
            # the outermost layer is the check, so it runs before the cache is looked at
            assert getattr(fn, "__code__", None) is not None, f"{module}.{name} is not scoped"
            assert fn.__code__.co_qualname == "scoped.<locals>.wrap.<locals>.checked", name
    assert {"team_forecast", "deal_list", "ladder", "movement_between", "report",
            "journeys", "leads"} <= found


def test_an_unmapped_user_sees_a_message_and_nothing_else(store):
    at = app("stranger@else.example")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "You are signed in as stranger@else.example, which matches no person in the "
        "hierarchy: ask an admin to add this email to your person in the people list."]
    assert not at.metric and not at.dataframe and not at.selectbox and not at.sidebar.selectbox
    for page in [*PAGES, "pages/data_page.py"]:  # a page opened directly stops just as early
        direct = app("stranger@else.example", script=page)
        direct.run()
        assert not direct.exception and direct.error
        assert not direct.metric and not direct.dataframe, page


def test_sign_in_on_and_nobody_signed_in_shows_only_the_sign_in(store):
    at = app(None)
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox


def test_a_new_viewer_inherits_no_session_state(store):
    at = app("vera@tiny.example")
    at.run()
    at.sidebar.selectbox(key="team_id").set_value("M2").run()
    at.session_state["_import_results"] = "what the last viewer imported"
    at.user = {"is_logged_in": True, "email": MAX}
    at.run()
    assert "_import_results" not in at.session_state
    assert at.session_state[controls._KEPT + controls.KEY_TEAM] == "M1"
    assert metrics(at) | MAX_NUMBERS == metrics(at)


def test_data_page_is_for_admins_only(store):
    manager = app(MAX, script="pages/data_page.py")
    manager.run()
    assert any("open to admins only" in e.value for e in manager.error)
    assert not manager.dataframe
    # no admin list: the top of the hierarchy (V) is the admin
    top = app("vera@tiny.example")
    top.run()
    top.switch_page("pages/data_page.py").run()
    assert not top.error and top.dataframe
    # with a list, exactly the listed emails
    listed = app("vera@tiny.example", admins=["mia@tiny.example"], script="pages/data_page.py")
    listed.run()
    assert any("open to admins only" in e.value for e in listed.error)
    mia = app("mia@tiny.example", admins=["mia@tiny.example"], script="pages/data_page.py")
    mia.run()
    assert not mia.error and mia.dataframe


def test_saved_scenarios_of_another_team_are_not_listed(store):
    con = db.connect(store)
    for name, team in [("M2 stretch", "M2"), ("Vera's plan", "V"), ("R1 push", "R1")]:
        scenarios.save(con, name, Levers(win_rate_pts=5.0), "tester",
                       datetime(2026, 11, 20, 9), note=f"for {team}", period_id="2026-Q4",
                       team_id=team, as_of_date=date(2026, 11, 20))
    con.close()
    at = app(MAX)
    at.run()
    at.switch_page("pages/whatif_page.py").run()
    assert not at.exception
    assert at.selectbox(key=whatif_view.KEY_LOAD).options == ["R1 push"]
    at.session_state[whatif_view.KEY_TAB] = whatif_view.TAB_COMPARE
    at.run()
    assert at.multiselect(key=whatif_view.KEY_COMPARE).options == ["R1 push"]


@pytest.mark.parametrize(("claims", "message"), [
    ({"email": "max@tiny.example", "email_verified": False},
     "The sign-in provider has not verified max@tiny.example"),
    ({"email": ""}, "Your sign-in gave no email address"),
    ({"email": "rob@tiny.example"}, "2 people share the email rob@tiny.example"),
])
def test_an_email_that_cannot_be_matched_says_why_and_shows_nothing(store, claims, message):
    con = db.connect(store)
    con.execute("update people set email = 'rob@tiny.example' where person_id = 'R3'")
    con.close()
    at = app(None)
    at.user = {"is_logged_in": True, **claims}
    at.run()
    assert not at.exception
    assert [e.value for e in at.error if message in e.value]
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox


def test_a_signed_in_call_is_kept_under_the_sign_in_not_a_typed_name(store):
    at = app(MAX)
    at.session_state["review_tab"] = "The call"
    at.switch_page("pages/forecast_review.py").run()
    by = at.text_input(key="call_by")
    assert (by.value, by.disabled) == (MAX, True)
    at.number_input(key="call_commit").set_value(275.0)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    con = db.connect(store)
    try:
        kept = con.execute("select person_id, commit_amount, entered_by from submissions "
                           "where entered_by = $by", {"by": MAX}).fetchall()
    finally:
        con.close()
    assert kept == [("M1", 275.0, MAX)]
