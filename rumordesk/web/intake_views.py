"""What the report form and the rumour page show of the intakes: the text read from a
staff screenshot (and the PIO's correction), and the Department's threads a rumour was
seen in. Each is one function the page calls; the data and every check come from
``triage/`` (:mod:`rumordesk.triage.screenshots`, :mod:`rumordesk.triage.threads`).

Read text is untrusted post text: shown with ``st.text`` and edited in a text area, never
rendered as markdown.
"""

from __future__ import annotations

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.triage.intake import Filed, describe_reading
from rumordesk.triage.roles import Actor, Permission
from rumordesk.triage.screenshots import correct_screenshot_text, rumour_screenshot_texts
from rumordesk.triage.threads import rumour_threads
from rumordesk.web import context


def report_outcome(filed: Filed) -> None:
    """After a report with a screenshot: what was read, or why not (the report is in)."""
    if filed.reading is None:
        return
    line = describe_reading(filed.reading)
    if filed.reading.status == "read" and filed.reading.text:
        st.info(line)
    else:
        st.warning(line)


def rumour_threads_section(actor: Actor, rumor_id: int) -> None:
    """ "In replies to the Department's facebook post of 16:04": each of the Department's
    posts the rumour's posts answer, with what it said."""
    threads = rumour_threads(context.database(), actor, rumor_id)
    if not threads:
        return
    st.subheader("Seen in the Department's own threads")
    zone = context.settings().department.tz
    for thread in threads:
        count = f"{thread.replies} post{'s' if thread.replies != 1 else ''}"
        st.text(f"{count} {thread.describe(zone)}:")
        st.text(f"    {thread.text[:280]}")
        if thread.link:
            st.link_button("Open the Department's post", thread.link)


def screenshot_texts_section(actor: Actor, rumor_id: int) -> None:
    """The text read from each staff screenshot, how sure the engine was, and (for the
    PIO) a correction form; a correction is audited and the report rescored."""
    db = context.database()
    views = rumour_screenshot_texts(db, actor, rumor_id)
    if not views:
        return
    st.subheader("Text read from staff screenshots")
    for view in views:
        with st.container(border=True):
            if view.status != "read":
                st.warning(f"Not read: {view.message or view.status}")
                continue
            sure = "" if view.confidence is None else f" · {view.confidence:.0%} confident"
            corrected = (
                f" · corrected by {view.corrected_by} {context.local_time(view.corrected_at)}"
                if view.corrected_by
                else ""
            )
            used = "the report's text" if view.text_from == "screenshot" else "beside typed text"
            st.caption(
                f"Report {view.post_id} · {view.engine} ({view.languages}){sure} · {used}"
                f"{corrected} · screenshot sha256 {view.sha256[:16]}…"
            )
            st.text(view.text or "(no text found)")
            if view.steps:
                st.caption("Image: " + "; ".join(view.steps))
            if actor.can(Permission.TRIAGE):
                key = f"ocr_fix_{view.post_id}"
                fixed = st.text_area("Correct the text", value=view.text, key=key)
                if st.button("Save correction", key=f"{key}_save"):
                    try:
                        correct_screenshot_text(db, context.settings(), actor, view.post_id, fixed)
                    except RumorDeskError as exc:
                        st.error("Not saved:")
                        st.text(str(exc))
                    else:
                        st.success("Corrected, recorded in the audit log, and rescored.")
                        st.rerun()
