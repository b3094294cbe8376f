"""Signing an AppTest in the way a browser is: a real session in the store, its secret in
the cookie the page reads. AppTest has no browser, so the cookies a browser would send live
in the test's session state; production code never reads that key."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rumordesk.base.config import AuthSettings
from rumordesk.store.db import Database
from rumordesk.triage import sessions
from rumordesk.web import session as web_session

#: Where a test keeps "the browser's cookies" for an AppTest.
TEST_COOKIES = "_test_browser_cookies"
#: The dashboard's router (the top-level app.py is the server that runs it).
ROUTER = "rumordesk/web/app.py"


def use_test_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages read their cookies from the test's session state instead of a browser."""
    monkeypatch.setattr(
        web_session, "browser_cookies", lambda: dict(st.session_state.get(TEST_COOKIES, {}))
    )


def start_session(db: Database, username: str, settings: AuthSettings | None = None) -> str:
    """A password session for ``username`` in the store; returns its secret."""
    actor = sessions.account(db, settings or AuthSettings(), username, "password")
    assert actor is not None, f"no active account {username!r}"
    return sessions.start(db, actor, "password")


def sign_in(at: AppTest, db: Database, username: str) -> str:
    """Give this AppTest's "browser" a new session for ``username``; returns the secret."""
    secret = start_session(db, username)
    present(at, secret)
    return secret


def present(at: AppTest, secret: str | None) -> None:
    """The cookie this AppTest's "browser" sends (None: no cookie)."""
    at.session_state[TEST_COOKIES] = {sessions.COOKIE: secret} if secret else {}
