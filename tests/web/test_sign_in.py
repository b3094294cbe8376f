"""The sign-in and sign-out routes over HTTP (Starlette's test client, the real routes and
store): the cookie's attributes, the form's protections, where a sign-in returns, and the
words the user reads."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from rumordesk.triage import audit, sessions, users
from rumordesk.triage.roles import SYSTEM
from rumordesk.triage.sessions import Ended
from rumordesk.web import server
from rumordesk.web.sign_in_routes import CSRF_COOKIE, ROUTES, safe_next
from tests.helpers.dashboard import PASSWORD, make_desk, open_desk

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


@pytest.fixture
def client(desk):
    with TestClient(Starlette(routes=ROUTES), follow_redirects=False) as made:
        yield made


def _form(client, next_path="/"):
    page = client.get("/sign-in", params={"next": next_path})
    assert page.status_code == 200
    token = re.search(r"name='csrf' value='([^']+)'", page.text).group(1)
    return page, token


def _sign_in(client, username="pat", password=PASSWORD, next_path="/", headers=ORIGIN):
    _, token = _form(client, next_path)
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "next": next_path, "csrf": token},
        headers=headers,
    )


def _set_cookie(response, name):
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    assert found, f"no {name} cookie set"
    return found[-1]


def test_the_form_sets_its_own_token_and_says_how_long_a_sign_in_lasts(client):
    page, token = _form(client, "/rumour?id=7")
    assert "name='next' value='/rumour?id=7'" in page.text
    assert f"{CSRF_COOKIE}={token}" in _set_cookie(page, CSRF_COOKIE)
    assert "after 30 minutes without activity, or 12 hours after signing in" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text


def test_a_right_password_sets_an_httponly_strict_cookie_and_returns_to_the_rumour(desk, client):
    answer = _sign_in(client, next_path="/rumour?id=7")
    assert answer.status_code == 303 and answer.headers["location"] == "/rumour?id=7"
    cookie = _set_cookie(answer, sessions.COOKIE)
    secret = cookie.split(";", 1)[0].split("=", 1)[1]
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    assert "max-age=43200" in attributes  # the 12-hour maximum
    assert "secure" not in attributes  # plain http on loopback: a Secure cookie would be lost
    assert sessions.check(desk.db, desk.settings.auth, secret).actor.username == "pat"
    assert secret not in " ".join(str(e.detail) for e in audit.entries(desk.db))


def test_behind_https_the_cookie_is_secure(client):
    answer = _sign_in(client, headers={**ORIGIN, "X-Forwarded-Proto": "https"})
    assert "secure" in _set_cookie(answer, sessions.COOKIE).lower()


def test_a_wrong_password_says_what_to_check_and_sets_no_session(desk, client):
    answer = _sign_in(client, password="not the password")
    assert answer.status_code == 401
    assert "Wrong user name or password. Check both and try again." in answer.text
    assert "value='pat'" in answer.text  # the name stays typed
    assert not [h for h in answer.headers.get_list("set-cookie") if sessions.COOKIE in h]
    assert [e.action for e in audit.entries(desk.db)][0] == "sign_in_failed"


def test_a_throttled_device_is_told_until_when(desk, client):
    for _ in range(desk.settings.auth.lockout_after):
        answer = _sign_in(client, password="not the password")
    assert answer.status_code == 429
    assert re.search(r"from this device: try again after \d\d:\d\d:\d\d\.", answer.text)


def test_a_form_posted_from_elsewhere_is_refused(client):
    _, token = _form(client)
    data = {"username": "pat", "password": PASSWORD, "csrf": token}
    foreign = client.post("/sign-in", data=data, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 400 and "expired" in foreign.text
    client.cookies.clear()  # no token cookie: a form from another site cannot have ours
    missing = client.post("/sign-in", data=data, headers=ORIGIN)
    assert missing.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/sign-in?next=/",
        "",
        "/ok\r\nSet-Cookie: x=1",
    ],
)
def test_signing_in_never_sends_anyone_off_this_server(target):
    assert safe_next(target) == "/"


def test_local_paths_are_kept():
    assert safe_next("/rumour?id=12") == "/rumour?id=12"
    assert safe_next("/weekly") == "/weekly"


def test_signing_in_again_rotates_the_secret(desk, client):
    _, token = _form(client)  # a second tab's form, opened before the first sign-in
    first = _set_cookie(_sign_in(client), sessions.COOKIE).split(";")[0].split("=", 1)[1]
    assert client.cookies.get(sessions.COOKIE) == first
    # signed in now: the form sends the browser straight back where it was going
    assert client.get("/sign-in", params={"next": "/weekly"}).headers["location"] == "/weekly"
    again = client.post(
        "/sign-in",
        data={"username": "pat", "password": PASSWORD, "csrf": token},
        headers=ORIGIN,
    )
    second = _set_cookie(again, sessions.COOKIE).split(";")[0].split("=", 1)[1]
    assert second != first
    assert sessions.check(desk.db, desk.settings.auth, first).ended is Ended.ROTATED
    assert sessions.check(desk.db, desk.settings.auth, second).actor is not None


def test_a_dead_cookie_is_taken_off_the_browser_and_the_reason_is_told(desk, client):
    secret = _set_cookie(_sign_in(client), sessions.COOKIE).split(";")[0].split("=", 1)[1]
    users.set_active(desk.db, SYSTEM, "pat", False)
    client.cookies.set(sessions.COOKIE, secret)
    page = client.get("/sign-in", params={"ended": "account disabled"})
    assert page.status_code == 200
    assert "This account is disabled. Ask the administrator." in page.text
    assert "max-age=0" in _set_cookie(page, sessions.COOKIE).lower()


def test_signing_out_ends_the_session_and_forgets_the_cookie(desk, client):
    secret = _set_cookie(_sign_in(client), sessions.COOKIE).split(";")[0].split("=", 1)[1]
    client.cookies.set(sessions.COOKIE, secret)
    answer = client.post("/sign-out", headers=ORIGIN)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?ended=signed+out"
    assert "max-age=0" in _set_cookie(answer, sessions.COOKIE).lower()
    assert sessions.check(desk.db, desk.settings.auth, secret).ended is Ended.SIGNED_OUT
    assert "You signed out." in client.get(answer.headers["location"]).text


def test_without_accounts_the_page_names_the_command(tmp_path, monkeypatch):
    made = make_desk(tmp_path, monkeypatch, users=False)
    with TestClient(Starlette(routes=ROUTES)) as fresh:
        page = fresh.get("/sign-in")
    assert ".venv/bin/rumordesk user add NAME --role admin" in page.text
    made.db.dispose()


def test_streamlit_session_ids_are_masked_in_the_server_log(caplog):
    server.hide_session_ids()
    session_id = str(uuid.uuid4())
    logger = logging.getLogger("streamlit.runtime.websocket_session_manager")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        logger.addHandler(caplog.handler)
        try:
            logger.warning("Session with id %s is already connected!", session_id)
        finally:
            logger.removeHandler(caplog.handler)
    assert session_id not in caplog.text
    assert "Session with id <session id hidden> is already connected!" in caplog.text


def _said(answer) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"<p class='error' role='alert'>([^<]*)</p>", answer.text)
    return re.sub(r"\d\d:\d\d:\d\d", "HH:MM:SS", found.group(1)) if found else ""


@pytest.mark.slow
def test_an_unknown_name_and_a_wrong_password_get_the_same_answers(desk, client):
    """Nothing tells an attacker which names exist: the same words, the same status, and
    the same throttling after the same number of tries."""

    def answers(name: str) -> list[tuple[int, str]]:
        return [
            (answer.status_code, _said(answer))
            for answer in (
                _sign_in(client, username=name, password="Not-The-Password-77")
                for _ in range(desk.settings.auth.lockout_after + 1)
            )
        ]

    known, unknown = answers("pat"), answers("nobody")
    assert known == unknown
    assert known[0] == (401, "Wrong user name or password. Check both and try again.")
    assert known[-1][0] == 429 and "from this device" in known[-1][1]
    assert not any("account" in said for _, said in known)
