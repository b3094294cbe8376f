"""The demo scenario on the dashboard: offered on an empty store, labelled wherever it
shows, and removed only after the user confirms."""

from __future__ import annotations

import streamlit as st

from rumordesk.store.db import Database
from rumordesk.triage.roles import Actor, Role
from rumordesk.web.context import settings

DEMO_ICON = ":material/science:"


def demo_offer(actor: Actor, db: Database) -> None:
    """On an empty store, the PIO or the administrator may load the invented evening."""
    if actor.role not in (Role.PIO, Role.ADMIN):
        return
    with st.container(border=True):
        st.write("**Try it with the demo scenario**")
        st.caption(
            "An invented evening in Santa Clara: a false shooting rumour at Valley Fair "
            "spreading on several channels, a bomb-threat question at Levi's Stadium, a staff "
            "report, low-value chatter to close in bulk, a decision already taken, and two "
            "weeks of the Department's posts for the weekly report. Marked DEMO everywhere; "
            "remove it in one step."
        )
        if st.button("Load demo scenario", key="demo_load", icon=":material/play_circle:"):
            from rumordesk.demo import load_demo

            with st.spinner("Scoring the demo posts…"):
                result = load_demo(db, settings(), actor)
            st.toast(f"Demo loaded: {result.posts} posts, {result.rumors} rumours")
            st.rerun()


def _where_to_remove(actor: Actor) -> str:
    if actor.role in (Role.PIO, Role.ADMIN):
        return "Take it out with “Remove demo”."
    return "The PIO removes it when done."


def demo_banner(db: Database, actor: Actor) -> None:
    """Say plainly, in one line, when demo data is in the store and who can take it out."""
    from rumordesk.demo import has_demo

    if not has_demo(db):
        return
    st.warning(
        "**Demo data:** everything marked DEMO is invented, not real. " + _where_to_remove(actor),
        icon=DEMO_ICON,
    )


def demo_label(text: str) -> None:
    st.warning(f"**Demo data:** {text}", icon=DEMO_ICON)


CONFIRM = "demo_remove_confirm"


def _confirm_removal(db: Database, actor: Actor) -> None:
    from rumordesk.demo import demo_rumor_count, remove_demo

    with st.container(border=True):
        st.warning(
            f"Remove the demo? This deletes every invented post and its "
            f"{demo_rumor_count(db)} demo rumour(s), with what anyone did to them. Real posts "
            "and rumours are not touched; the audit log keeps its record."
        )
        yes, no, _ = st.columns([2, 1, 3])
        if yes.button("Yes, remove the demo", type="primary", key="demo_remove_yes"):
            result = remove_demo(db, actor)
            st.session_state.pop(CONFIRM, None)
            st.session_state["demo_removed"] = (
                f"Demo removed: {result.posts} posts and {result.rumors} rumours."
            )
            st.rerun()
        if no.button("Keep it", key="demo_remove_no"):
            st.session_state.pop(CONFIRM, None)
            st.rerun()


def demo_removal(db: Database, actor: Actor) -> None:
    """A button that asks before removing the demo (PIO and administrator)."""
    from rumordesk.demo import has_demo

    if actor.role not in (Role.PIO, Role.ADMIN) or not has_demo(db):
        return
    if st.button("Remove demo", key="demo_remove", icon=":material/delete:", width="stretch"):
        st.session_state[CONFIRM] = True


def demo_removal_confirmation(db: Database, actor: Actor) -> None:
    """Where the question is asked, and the outcome told (full width, below the button)."""
    if done := st.session_state.pop("demo_removed", None):
        st.success(done)
    if st.session_state.get(CONFIRM) and actor.role in (Role.PIO, Role.ADMIN):
        _confirm_removal(db, actor)
