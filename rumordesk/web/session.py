"""Who is signed in, checked on every page run.

The signed-in user lives in the browser tab's ``st.session_state`` as a
:class:`~rumordesk.triage.auth.Session`; every run checks that it has not expired and
re-reads the account, so a disabled account or a changed role takes effect at the next
click. Pages call :func:`require_page` first: a page opened without the right role shows
nothing else (and the functions it calls check the role again).
"""

from __future__ import annotations

import streamlit as st

from rumordesk.triage import auth
from rumordesk.triage.roles import Actor, Permission, Role
from rumordesk.web.context import database, settings

SESSION_KEY = "rd_session"
NOTICE_KEY = "rd_notice"

ROLE_LABELS = {
    Role.PIO: "Public Information Officer",
    Role.CHIEF: "Office of the Chief",
    Role.STAFF: "Staff",
    Role.ADMIN: "Administrator",
}


def _oidc_email() -> tuple[str, str] | None:
    """The identity provider's user, when OIDC is on and Streamlit says they signed in."""
    if not settings().auth.oidc:
        return None
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        return str(user.get("email") or ""), str(user.get("name") or "")
    except Exception:  # no [auth] in secrets.toml: st.user cannot say
        return None


def current_actor() -> Actor | None:
    """The signed-in user, or None (never signed in, expired, disabled)."""
    config = settings().auth
    session: auth.Session | None = st.session_state.get(SESSION_KEY)
    if session is None:
        found = _oidc_email()
        if found and found[0]:
            try:
                session = auth.sign_in_oidc(database(), config, found[0], found[1])
            except auth.SignInError as exc:
                st.session_state[NOTICE_KEY] = str(exc)
                return None
            st.session_state[SESSION_KEY] = session
        else:
            return None
    actor = auth.session_actor(database(), config, session)
    if actor is None or not auth.still_valid(session, config):
        del st.session_state[SESSION_KEY]
        if actor is not None:
            auth.sign_out(database(), actor, reason="session expired")
        st.session_state[NOTICE_KEY] = "Your session has ended. Please sign in again."
        return None
    st.session_state[SESSION_KEY] = auth.touch(session)
    return actor


def start_session(session: auth.Session) -> None:
    st.session_state[SESSION_KEY] = session
    st.session_state.pop(NOTICE_KEY, None)


def end_session(actor: Actor) -> None:
    auth.sign_out(database(), actor)
    st.session_state.pop(SESSION_KEY, None)
    if settings().auth.oidc and _oidc_email() is not None:
        st.logout()


def require_page(*permissions: Permission) -> Actor:
    """The signed-in actor if they hold every ``permission``; otherwise the page stops here."""
    actor = current_actor()
    if actor is None:
        st.warning("Please sign in.")
        st.stop()
    missing = [p for p in permissions if not actor.can(p)]
    if missing:
        st.error(f"Your role ({ROLE_LABELS[actor.role]}) cannot open this page.")
        st.stop()
    return actor  # type: ignore[return-value]
