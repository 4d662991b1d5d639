"""Sign-in in a real browser: Streamlit's OpenID Connect login against a local stub provider
(tests/e2e/oidc_stub.py), on the tiny company with emails.

The tiny company (tests/tiny_company.py) on 2026-11-20: V at the top; M1 with R1; M2 with R2
and R3. M1's team in 2026-Q4: closed D1 100, commit D2 200, best case D3 300 and D6 50, so
commit forecast $300 and best case forecast $650; deals D1, D2, D3, D6. The other team's
deals are D4, D5 (R2) and D7, D8 (R3).
"""

from __future__ import annotations

import csv
import io
import os

import pytest

from forecast import db

import tiny_company
from app_page import AppPage
from harness import AppServer
from oidc_stub import StubProvider

EMAILS = {"V": "vera@tiny.example", "M1": "max@tiny.example", "M2": "mia@tiny.example"}
SECRETS = """[auth]
redirect_uri = "{app}/oauth2callback"
cookie_secret = "test-only-cookie-secret-0123456789abcdef"
client_id = "forecast-test"
client_secret = "test-only"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
"""
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def provider():
    stub = StubProvider().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def signin_app(provider, tmp_path_factory):
    folder = tmp_path_factory.mktemp("signin")
    store = folder / "tiny.duckdb"
    con = db.connect(store)
    tiny_company.load(con)
    con.executemany("update people set email = ? where person_id = ?",
                    [(email, pid) for pid, email in EMAILS.items()])
    con.close()
    server = AppServer(store, folder / "streamlit.log")
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(SECRETS.format(app=server.url, issuer=provider.issuer))
    os.environ["STREAMLIT_SECRETS_FILES"] = str(secrets_file)  # read by `streamlit run`
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        del os.environ["STREAMLIT_SECRETS_FILES"]
    yield server
    server.stop()


@pytest.fixture
def sign_in(browser, provider, signin_app, shots_dir, request):
    """`sign_in(email)`: a browser of its own (its own login cookie), signed in as `email`."""
    contexts = []

    def as_user(email: str) -> AppPage:
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        tab = AppPage(context, signin_app.url, shots_dir, request.node.name)
        request.node.e2e_tabs = [tab]
        tab.open()
        assert [b.inner_text() for b in tab.page.get_by_role("button").all()
                if b.inner_text().strip() == "Sign in"], "no sign-in button"
        assert not tab.metrics()  # nothing before signing in
        provider.sign_in_as(email)
        tab.page.get_by_role("button", name="Sign in").click()
        tab.page.wait_for_url(f"{signin_app.url}/**")
        return tab.settle()

    yield as_user
    for context in contexts:
        context.close()


def _deal_ids(download) -> set[str]:
    with open(download.path(), encoding="utf-8-sig") as f:
        return {row["opportunity_id"] for row in csv.DictReader(io.StringIO(f.read()))}


def test_a_manager_signs_in_sees_their_team_only_and_signs_out(sign_in):
    tab = sign_in("max@tiny.example")
    tab.shot("signed-in")
    sidebar = tab.page.get_by_test_id("stSidebar").inner_text()
    assert "Signed in as max@tiny.example" in sidebar
    assert "Data" not in tab.nav_links() and "Overview" in tab.nav_links()
    assert any(c.startswith("Max Manager's team ·") for c in tab.captions())
    shown = tab.metrics()
    assert (shown["Closed"], shown["Commit forecast"], shown["Best Case forecast"]) == (
        "$100", "$300", "$650")
    tab.assert_clean()
    tab.page.get_by_role("button", name="Sign out").click()
    tab.page.wait_for_url(f"{tab.base_url}/**")
    tab.settle()
    assert tab.page.get_by_role("button", name="Sign in").count() == 1
    assert not tab.metrics()


def test_a_link_to_another_team_is_refused_and_downloads_hold_the_team_only(sign_in):
    tab = sign_in("max@tiny.example")
    tab.open("forecast_review?team=M2")
    tab.shot("link-to-M2")
    refused = "Team 'M2' is outside your own team on"
    assert refused in tab.page.get_by_test_id("stAlertContentError").first.inner_text()
    assert any(c.startswith("Max Manager's team ·") for c in tab.captions())
    tab.open_tab("Deals")
    assert _deal_ids(tab.download("Download CSV")) == {"D1", "D2", "D3", "D6"}
    body = tab.page.inner_text("body")
    assert not any(name in body for name in ("Mia Manager", "Rae Rep", "Ray Rep"))
    tab.assert_clean(expected_errors=(refused,))


def test_an_unknown_email_sees_one_sentence(sign_in):
    tab = sign_in("stranger@else.example")
    assert "matches no person in the hierarchy" in tab.page.get_by_test_id(
        "stAlertContentError").first.inner_text()
    assert not tab.metrics() and tab.page.get_by_test_id("stSelectbox").count() == 0
    tab.assert_clean(expected_errors=("matches no person",))


def test_the_top_of_the_hierarchy_gets_the_data_page(sign_in):
    tab = sign_in("vera@tiny.example")
    assert "Data" in tab.nav_links()
    tab.go("Data")
    assert tab.title() == "Data"
    tab.assert_clean()
