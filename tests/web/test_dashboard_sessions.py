"""Sessions across tabs, rendered with AppTest: two AppTests presenting the same cookie are
two tabs of one browser. Signing out in one, disabling the account or the idle limit ends
the other at its next run (its self-refreshing sections included); an identity-provider
sign-in lands on the page the link asked for and obeys the same limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import streamlit as st
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from rumordesk.store.schema import browser_sessions
from rumordesk.triage import audit, sessions, users
from rumordesk.triage.roles import SYSTEM
from rumordesk.web import session as web_session
from tests.helpers.browser_session import ROUTER, TEST_COOKIES, present, sign_in
from tests.helpers.dashboard import make_desk, open_desk, texts
from tests.helpers.paths import PROJECT_ROOT


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


def _tab(secret: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=60)
    present(at, secret)
    return at.run()


def _signed_in(at: AppTest) -> bool:
    return any(t.value == "Rumour queue" for t in at.title) and bool(at.dataframe)


@pytest.mark.slow
def test_a_reload_or_a_new_tab_keeps_the_user_signed_in(desk):
    desk.load_demo()
    first = desk.app("pat")
    secret = first.session_state[TEST_COOKIES][sessions.COOKIE]
    assert _signed_in(first)
    second = _tab(secret)  # a new tab: a new Streamlit session, the same cookie
    assert _signed_in(second)
    assert _signed_in(first.run())  # a reload


def test_signing_out_in_one_tab_ends_the_other(desk):
    first = desk.app("pat")
    secret = first.session_state[TEST_COOKIES][sessions.COOKIE]
    other = _tab(secret)
    first.button(key="sign_out").click().run()
    assert any("You signed out." in i.value for i in first.info)
    other.run()
    assert not _signed_in(other)
    assert any("ended=signed+out" in m.value for m in other.markdown)
    assert [e.detail["reason"] for e in audit.entries(desk.db, action="sign_out")] == ["signed out"]


def test_a_self_refreshing_section_notices_an_ended_session(desk, monkeypatch):
    """The queue's sections re-read the store on a timer; each refresh checks the session
    (without counting as activity) and sends the page to sign-in when it has ended."""
    at = desk.app("pat")
    seen = []
    real = web_session.current_actor

    def watching(*, touch: bool = True):  # type: ignore[no-untyped-def]
        seen.append(touch)
        return real(touch=touch)

    monkeypatch.setattr(web_session, "current_actor", watching)
    at.run()
    assert False in seen  # the refreshing sections checked, and did not touch
    users.set_active(desk.db, SYSTEM, "pat", False)
    seen.clear()
    at.run()
    assert not _signed_in(at)
    assert "This account is disabled. Ask the administrator." in texts(at)


def test_the_idle_limit_ends_every_tab(desk):
    first = desk.app("pat")
    secret = first.session_state[TEST_COOKIES][sessions.COOKIE]
    idle = datetime.now(UTC) - timedelta(minutes=desk.settings.auth.session_idle_minutes + 1)
    with desk.db.write() as connection:
        connection.execute(update(browser_sessions).values(last_seen_at=idle))
    first.run()
    assert not _signed_in(first)
    assert any("after 30 minutes without activity" in i.value for i in first.info)
    assert not _signed_in(_tab(secret))


def test_a_role_change_takes_the_pages_away_at_once(desk):
    at = desk.app("pat")
    users.set_role(desk.db, SYSTEM, "pat", "staff")
    at.run()
    assert not _signed_in(at)
    assert "Your role was changed. Sign in again to see your pages." in texts(at)


@pytest.mark.slow
def test_staff_opening_an_alert_link_are_told_plainly(desk):
    desk.load_demo()
    at = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=60)
    sign_in(at, desk.db, "sam")
    at.query_params["id"] = "1"
    at.run()
    at.switch_page(str(PROJECT_ROOT / "rumordesk/web/views/rumour.py")).run()
    assert not at.exception
    [refusal] = [e.value for e in at.error]
    assert refusal.startswith("Your role (Staff) cannot open this page.")
    assert "My reports" in refusal
    assert not at.dataframe


def test_a_missing_or_malformed_rumour_number_is_said_plainly(desk):
    for asked, expected in (("999", "There is no rumour #999."), ("7x", "is not valid")):
        at = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=60)
        sign_in(at, desk.db, "chris")
        at.query_params["id"] = asked
        at.run()
        at.switch_page(str(PROJECT_ROOT / "rumordesk/web/views/rumour.py")).run()
        assert not at.exception
        assert expected in texts(at)


OIDC = """
[auth]
oidc = true

[auth.roles]
pio = ["@santaclaraca.gov"]
"""


@pytest.mark.slow
def test_an_identity_provider_sign_in_lands_on_the_link_and_expires_like_any(tmp_path, monkeypatch):
    made = make_desk(tmp_path, monkeypatch)
    config = tmp_path / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("oidc = false", "oidc = true").replace(
            "pio = []", 'pio = ["@santaclaraca.gov"]'
        ),
        encoding="utf-8",
    )
    st.cache_resource.clear()
    made.load_demo()

    def browser() -> AppTest:
        at = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=60)
        at.user = {"email": "lee@santaclaraca.gov", "name": "Lee", "is_logged_in": True}
        at.session_state[TEST_COOKIES] = {
            "_streamlit_user": "signed-by-streamlit-1",
            "rumordesk_next": "/rumour?id=2",
        }
        return at

    landed = browser().run()
    assert not landed.exception
    assert landed.title[0].value == "Rumour #2"  # where the alert's link pointed
    assert [e.detail.get("method") for e in audit.entries(made.db, action="sign_in")] == ["oidc"]
    again = browser().run()  # another tab: the same session, and no jump this time
    assert again.title[0].value == "Rumour queue"
    too_old = datetime.now(UTC) - timedelta(hours=made.settings.auth.session_max_hours + 1)
    with made.db.write() as connection:
        connection.execute(update(browser_sessions).values(started_at=too_old))
    expired = browser().run()
    assert expired.title[0].value == "Rumor Desk" and not expired.dataframe
    assert any("12-hour limit" in i.value for i in expired.info)
    # the same Streamlit cookie never signs them straight back in
    assert browser().run().title[0].value == "Rumor Desk"
    assert len(audit.entries(made.db, action="sign_in")) == 1
    st.cache_resource.clear()
    made.db.dispose()
