"""What every dashboard page shares: settings, the database, the signed-in user, navigation.

Opened once per process (``st.cache_resource``). The signed-in user lives in the browser
tab's ``st.session_state`` as a :class:`triage.auth.Session`; every page run checks that it
has not expired and re-reads the account, so a disabled account or a changed role takes
effect at the next click. Pages call :func:`require_page` first: a page opened without the
right role shows nothing else (and the functions it calls check the role again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from rumordesk.config import AppSettings, load_settings
from store import open_database
from store.db import Database
from triage import auth
from triage.roles import Actor, Permission, Role

SESSION_KEY = "rd_session"
NOTICE_KEY = "rd_notice"
SELECTED_KEY = "rd_rumor_id"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@st.cache_resource
def settings() -> AppSettings:
    return load_settings()


@st.cache_resource
def database() -> Database:
    return open_database(settings().storage.database_url)


def local_time(moment: datetime | None) -> str:
    """A UTC time shown in the Department's timezone, e.g. ``Nov 23, 19:52``."""
    if moment is None:
        return ""
    return moment.astimezone(settings().department.tz).strftime("%b %d, %H:%M")


# --- who is signed in ------------------------------------------------------------------


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


ROLE_LABELS = {
    Role.PIO: "Public Information Officer",
    Role.CHIEF: "Office of the Chief",
    Role.STAFF: "Staff",
    Role.ADMIN: "Administrator",
}


# --- navigation ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageSpec:
    path: str
    title: str
    icon: str


QUEUE = PageSpec("pages/queue.py", "Queue", ":material/priority_high:")
RUMOUR = PageSpec("pages/rumour.py", "Rumour detail", ":material/article:")
CHIEF = PageSpec("pages/chief.py", "Chief's office", ":material/gavel:")
SOURCES = PageSpec("pages/sources.py", "Sources", ":material/monitor_heart:")
POSTS = PageSpec("pages/posts.py", "Department posts", ":material/campaign:")
AUDIT = PageSpec("pages/audit.py", "Audit", ":material/fact_check:")
REPORT = PageSpec("pages/report.py", "Report a rumour", ":material/report:")
MY_REPORTS = PageSpec("pages/my_reports.py", "My reports", ":material/inbox:")
USERS = PageSpec("pages/users.py", "Users", ":material/group:")
SIGN_IN = PageSpec("pages/signin.py", "Sign in", ":material/login:")

#: Each role's pages; the first is its home page.
PAGES: dict[Role, tuple[PageSpec, ...]] = {
    Role.PIO: (QUEUE, RUMOUR, CHIEF, POSTS, SOURCES, AUDIT, REPORT),
    Role.CHIEF: (CHIEF, QUEUE, RUMOUR, AUDIT),
    Role.STAFF: (REPORT, MY_REPORTS),
    Role.ADMIN: (USERS, SOURCES, AUDIT),
}
#: Pages other parts add (shown when their file exists): path, title, icon, roles.
OPTIONAL_PAGES: tuple[tuple[PageSpec, tuple[Role, ...]], ...] = (
    (PageSpec("pages/weekly.py", "Weekly report", ":material/bar_chart:"), (Role.PIO, Role.CHIEF)),
    (PageSpec("pages/alerts.py", "Alerts", ":material/notifications:"), (Role.PIO, Role.ADMIN)),
)


def pages_for(role: Role) -> list[PageSpec]:
    pages = list(PAGES[role])
    for spec, roles in OPTIONAL_PAGES:
        if role in roles and (PROJECT_ROOT / spec.path).is_file():
            pages.append(spec)
    return pages


def open_rumour(rumor_id: int) -> None:
    """Remember the rumour and go to its detail page."""
    st.session_state[SELECTED_KEY] = int(rumor_id)
    st.switch_page(RUMOUR.path)


def now() -> datetime:
    return datetime.now(UTC)


# --- the demo scenario -------------------------------------------------------------------


def demo_offer(actor: Actor, db: Database) -> None:
    """On an empty store, the PIO or the administrator may load the invented evening."""
    if actor.role not in (Role.PIO, Role.ADMIN):
        return
    with st.container(border=True):
        st.write("**Try it with the demo scenario**")
        st.caption(
            "An invented evening: a false shooting rumour at Valley Fair, the Department's "
            "clarification, relays and chatter. Clearly marked as DEMO everywhere; remove it "
            "with one click or `rumordesk demo remove`."
        )
        if st.button("Load demo scenario", key="demo_load", icon=":material/play_circle:"):
            from rumordesk.demo import load_demo

            with st.spinner("Scoring the demo posts…"):
                result = load_demo(db, settings(), actor)
            st.toast(f"Demo loaded: {result.posts} posts, {result.rumors} rumours")
            st.rerun()


def demo_banner(db: Database) -> None:
    """Say plainly when demo data is in the store, and how to take it out."""
    from rumordesk.demo import has_demo

    if not has_demo(db):
        return
    st.warning(
        "DEMO DATA: invented posts from data/demo/ are in the store (marked [DEMO]). "
        "Remove them with `rumordesk demo remove` or on the Users page.",
        icon=":material/science:",
    )
