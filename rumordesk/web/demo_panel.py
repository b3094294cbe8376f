"""The demo scenario on the dashboard: offered on an empty store, labelled while loaded."""

from __future__ import annotations

import streamlit as st

from rumordesk.store.db import Database
from rumordesk.triage.roles import Actor, Role
from rumordesk.web.context import settings


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
