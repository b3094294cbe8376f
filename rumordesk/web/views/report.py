"""Report a rumour: what every member of staff can do (the policy's "screenshot it and
forward it to the PIO"). The report reaches the PIO at once, in the queue's "Forwarded by
staff" band, scored and explained like every post."""

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.triage.intake import file_report
from rumordesk.triage.roles import Permission
from rumordesk.web import context, intake_views, session
from rumordesk.web.plain import plain

actor = session.require_page(Permission.REPORT)
db = context.database()

st.title("Report a rumour")
st.caption(
    "Seen something false or alarming about Santa Clara online? Tell the PIO here. "
    "A screenshot helps: posts are often deleted."
)

if done := st.session_state.pop("report_done", None):
    st.success(
        f"Thank you. Your report went to the PIO (rumour #{done.rumor_id}). "
        "Follow it on My reports."
    )
    intake_views.report_outcome(done)

with st.form("report_form", clear_on_submit=True):
    where = st.selectbox(
        "Where did you see it?",
        [
            "Facebook",
            "X (Twitter)",
            "Instagram",
            "Nextdoor",
            "Reddit",
            "TikTok",
            "YouTube",
            "Bluesky",
            "Text message or chat",
            "In person",
            "Other",
        ],
        index=None,
        placeholder="Choose where you saw it",
        key="report_where",
    )
    link = st.text_input(
        "Link to the post (if you have one)", key="report_link", placeholder="https://…"
    )
    text = st.text_area(
        "What does it say?",
        key="report_text",
        placeholder="Copy the text, or describe it in your own words. With a screenshot "
        "you may leave this empty: its text is read for you.",
    )
    # No type filter: a file the browser refused would vanish and the report go without
    # it; the server checks the content and refuses the whole report, saying why.
    shot = st.file_uploader("Screenshot (PNG, JPEG or WebP)", key="report_shot")
    note = st.text_area("Anything else the PIO should know? (optional)", key="report_note")
    sent = st.form_submit_button("Send to the PIO", type="primary")

if sent and where is None:
    st.error("Not sent: choose where you saw it (Facebook, a group chat, in person …).")
elif sent and not text.strip():
    st.error("Not sent: copy or describe what it says (the PIO's tools read the words).")
elif sent:
    try:
        filed = file_report(
            db,
            context.settings(),
            actor,
            url=link or None,
            text=text,
            where=where,
            note=note or None,
            screenshot=shot.getvalue() if shot is not None else None,
            filename=shot.name if shot is not None else None,
        )
    except RumorDeskError as exc:  # may quote what was typed: escaped, never markdown
        st.error(f"Not sent: {plain(str(exc))}.")
    else:
        st.session_state["report_done"] = filed
        st.rerun()
