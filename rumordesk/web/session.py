"""Who is signed in: the browser's cookie, checked against the store on every run.

Signing in happens outside Streamlit, on the ``/sign-in`` route
(:mod:`rumordesk.web.sign_in_routes`), because only an HTTP response can give the browser
an HttpOnly cookie. Here, every page run (and every section that refreshes itself)
presents that cookie to
:func:`rumordesk.triage.sessions.check`: a reload, a new tab or an alert's link keeps the
user signed in, and signing out, disabling the account, a new role or the idle and
maximum lifetimes end the session in every tab at its next run. Nothing that identifies
the user is kept in ``st.session_state``, so Streamlit's session id is never a credential.

Users of the city's identity provider sign in with ``st.login``; Streamlit's identity
cookie stands in for ours, with the same limits (:func:`rumordesk.triage.sessions.adopt`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from rumordesk.triage import auth, sessions
from rumordesk.triage.roles import Actor, Permission, Role
from rumordesk.triage.sessions import Ended, SessionCheck
from rumordesk.web.context import database, settings
from rumordesk.web.sign_in_page import ended_text

#: The sign-in route (rumordesk/web/sign_in_routes.py) and Streamlit's identity cookie.
SIGN_IN_PATH = "/sign-in"
STREAMLIT_USER_COOKIE = "_streamlit_user"

ROLE_LABELS = {
    Role.PIO: "Public Information Officer",
    Role.CHIEF: "Office of the Chief",
    Role.STAFF: "Staff",
    Role.ADMIN: "Administrator",
}


def browser_cookies() -> Mapping[str, str]:
    """The cookies this tab's browser sent when it connected (tests stand in for it)."""
    try:
        return st.context.cookies
    except Exception:  # no browser connection (bare script)
        return {}


def _oidc_cookie(cookies: Mapping[str, str]) -> str | None:
    """Streamlit's identity cookie, whole (it may be split in numbered chunks)."""
    first = cookies.get(STREAMLIT_USER_COOKIE)
    if not first:
        return None
    parts, index = [first], 1
    while chunk := cookies.get(f"{STREAMLIT_USER_COOKIE}__{index}"):
        parts.append(chunk)
        index += 1
    return "".join(parts)


def _oidc_user() -> tuple[str, str] | None:
    """The identity provider's e-mail and name, when OIDC is on and Streamlit has them."""
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        return str(user.get("email") or ""), str(user.get("name") or "")
    except Exception:  # no [auth] in secrets.toml: st.user cannot say
        return None


def current(*, touch: bool = True) -> SessionCheck:
    """Check this browser's session now (``touch=False`` for timed refreshes)."""
    config = settings().auth
    cookies = browser_cookies()
    result = sessions.check(database(), config, cookies.get(sessions.COOKIE), touch=touch)
    if result.actor is not None or not config.oidc:
        return result
    token = _oidc_cookie(cookies)
    found = _oidc_user() if token else None
    if not (token and found and found[0]):
        return result
    adopted = sessions.check(database(), config, token, touch=touch)
    if adopted.ended is not Ended.UNKNOWN:
        return adopted
    email, name = found
    try:  # a cookie never seen before: the provider just signed this user in
        auth.sign_in_oidc(database(), config, email, name)
    except auth.SignInError:
        return SessionCheck(None, Ended.DISABLED)
    actor = sessions.account(database(), config, email.strip().lower(), "oidc")
    if actor is None or not sessions.adopt(database(), token, actor):
        return SessionCheck(None, Ended.DISABLED)
    return SessionCheck(actor, started=True)


def return_to_asked_page() -> None:
    """After an identity-provider sign-in (which lands on "/"), open the page the user
    had asked for (``/sign-in/oidc`` kept it in a short-lived cookie)."""
    from rumordesk.web.navigation import page_at
    from rumordesk.web.sign_in_routes import NEXT_COOKIE, safe_next

    asked = safe_next(browser_cookies().get(NEXT_COOKIE))
    found = page_at(asked) if asked != "/" else None
    if found is not None:
        spec, query = found
        st.switch_page(spec.path, query_params=query)


def current_actor(*, touch: bool = True) -> Actor | None:
    return current(touch=touch).actor


def sign_in_url(next_path: str = "/", ended: Ended | None = None) -> str:
    query = {"next": next_path}
    if ended is not None and ended is not Ended.UNKNOWN:
        query["ended"] = ended.value
    return f"{SIGN_IN_PATH}?{urlencode(query)}"


def go_to_sign_in(next_path: str = "/", ended: Ended | None = None) -> None:
    """Say why, then take the browser to the sign-in page (which comes back here)."""
    url = sign_in_url(next_path, ended)
    st.title("Rumor Desk")
    st.info(ended_text(ended, settings().auth), icon=":material/login:")
    st.markdown(f'<a href="{html.escape(url)}" target="_self">Sign in</a>', unsafe_allow_html=True)
    # Our own constant script; the URL is percent-encoded, so it cannot close the tag.
    st.html(
        f"<script>window.location.replace({json.dumps(url)});</script>",
        unsafe_allow_javascript=True,
    )


def sign_out() -> None:
    """End this browser's session (every tab), then go to the sign-in page."""
    cookies = browser_cookies()
    oidc = settings().auth.oidc and _oidc_cookie(cookies)
    sessions.sign_out(database(), cookies.get(sessions.COOKIE) or (oidc or None))
    if oidc:
        st.logout()
    go_to_sign_in("/", Ended.SIGNED_OUT)
    st.stop()


def still_signed_in() -> Actor:
    """For a section that refreshes itself: if the session ended meanwhile (another tab
    signed out, the account was disabled, the idle limit passed), rerun the whole page,
    which then asks for sign-in. Does not count as activity."""
    actor = current_actor(touch=False)
    if actor is None:
        st.rerun(scope="app")
    return actor  # type: ignore[return-value]


def require_page(*permissions: Permission, refusal: str = "") -> Actor:
    """The signed-in actor if they hold every ``permission``; otherwise the page says so
    plainly (``refusal`` adds where to go instead) and stops here."""
    result = current()
    if result.actor is None:
        go_to_sign_in("/", result.ended)
        st.stop()
    actor = result.actor
    missing = [p for p in permissions if not actor.can(p)]
    if missing:
        st.error(
            f"Your role ({ROLE_LABELS[actor.role]}) cannot open this page."
            + (f" {refusal}" if refusal else "")
        )
        st.stop()
    return actor  # type: ignore[return-value]
