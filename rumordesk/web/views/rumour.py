"""One rumour: what is claimed and why it was flagged, in words; the PIO's actions; the
original posts with their links; the Department's posts; staff reports, evidence, history.

The rumour's number is in the address (``/rumour?id=N``, the link every alert carries), so
a reload, a new tab or a forwarded link opens the same rumour. Every action calls
:mod:`triage.workflow` (role-checked and audited) and says what happened right below the
buttons. Post text, author names, claims and reasons are untrusted: they appear only in
st.text and tables, and inside alerts only escaped (:func:`rumordesk.web.plain.plain`).
Links are shown only when they are http(s); screenshots only from our own data folder,
re-encoded.
"""

from pathlib import Path

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.store import files, shared_files
from rumordesk.triage import queue, workflow
from rumordesk.triage.detail import rumor_detail
from rumordesk.triage.roles import Permission
from rumordesk.web import context, demo_panel, explain, intake_views, navigation, session, words
from rumordesk.web.context import EMPTY
from rumordesk.web.plain import plain

actor = session.require_page(
    Permission.VIEW_QUEUE,
    refusal="Rumours are for the PIO and the Office of the Chief. What you reported is on "
    "My reports; the PIO has it.",
)
db = context.database()
settings = context.settings()
can_triage = actor.can(Permission.TRIAGE)
FLASH = "rumour_flash"

asked = st.query_params.get("id")
if asked is not None and not asked.strip().isdigit():
    st.title("Rumour")
    st.error(f"This link's rumour number is not valid: “{plain(asked[:40])}”.")
    st.page_link(navigation.QUEUE.path, label="Open the queue", icon=":material/list:")
    st.stop()
rumor_id = int(asked) if asked is not None else st.session_state.get(navigation.SELECTED_KEY)
if rumor_id is None:
    st.title("Rumour")
    st.info("No rumour chosen yet: click one in the queue.")
    st.page_link(navigation.QUEUE.path, label="Open the queue", icon=":material/list:")
    st.stop()
rumor_id = int(rumor_id)
st.session_state[navigation.SELECTED_KEY] = rumor_id
if asked is None:
    st.query_params["id"] = str(rumor_id)  # the address names the rumour: reload keeps it

detail = rumor_detail(db, actor, rumor_id)
if detail is None:
    st.title(f"Rumour #{rumor_id}")
    st.warning(
        f"There is no rumour #{rumor_id}. It may have been removed (demo data taken out, or "
        "deleted by the retention purge), or the link has a wrong number."
    )
    st.page_link(navigation.QUEUE.path, label="Open the queue", icon=":material/list:")
    st.stop()
row = detail.row
high = settings.dashboard.high_severity

st.title(f"Rumour #{row.id}")
if row.is_demo:
    demo_panel.demo_label("This rumour was made from invented demo posts.")
with st.container(border=True):
    st.caption("What is claimed (the leading post)")
    st.text(row.claim or EMPTY)
    if detail.lead_link:
        st.link_button("Open the original post ↗", detail.lead_link)

facts = st.columns([1, 1, 1, 1, 2])
facts[0].metric("Severity", queue.severity_label(row.severity, high))
facts[1].metric("Score", f"{row.score:.2f}")
facts[2].metric("Posts", context.count(detail.total_posts))
facts[3].metric("Reach", context.count(row.reach))
facts[4].metric(
    "First seen", context.ago(row.first_seen_at), help=context.local_time(row.first_seen_at)
)
st.markdown(
    f"**Status:** {row.status_label} · **Assigned to:** {plain(row.assignee or 'nobody')}"
    + (" · **Forwarded by staff**" if row.forwarded_by_staff else "")
    + (" · **Legal hold**" if detail.legal_hold else "")
)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Why it is flagged" if not row.forwarded_by_staff else "Why it is here")
    reasons = list(detail.reasons)
    if row.forwarded_by_staff:
        reasons.insert(0, "forwarded by staff: every report reaches the PIO")
    if not detail.reasons:
        reasons.append("nothing in the text matched a warning sign (see below)")
    st.text("\n".join(f"• {reason}" for reason in reasons))
    findings = explain.breakdown(
        detail.signals,
        detail.department,
        when=context.clock_time,
        window_hours=settings.classify.official_window_hours,
    )
    if findings:
        st.caption("How the leading post was read")
        st.dataframe(
            [{"what": f.what, "found": f.found} for f in findings],
            hide_index=True,
            width="stretch",
            column_config={
                "what": st.column_config.TextColumn("Looked at", width=150),
                "found": st.column_config.TextColumn("Found", width="large"),
            },
            key="rumour_findings",
        )
    with st.expander("Advanced: the ranker's raw signals"):
        st.dataframe(
            explain.advanced(detail.signals, detail.model_version),
            hide_index=True,
            width="stretch",
            key="rumour_signals",
        )
with right:
    st.subheader("Timeline")
    timeline = [
        ("First post", context.local_time(row.first_seen_at)),
        ("Latest post", context.local_time(row.last_seen_at)),
        ("First action", context.local_time(detail.first_action_at)),
        (
            "Escalated",
            f"{context.local_time(row.escalated_at)} by {detail.escalated_by or EMPTY}"
            if row.escalated_at
            else EMPTY,
        ),
        (
            "Chief's decision",
            f"{workflow.DECISION_LABELS.get(row.decision or '', EMPTY)} by "
            f"{detail.decided_by or EMPTY}"
            if row.decision
            else EMPTY,
        ),
    ]
    st.dataframe(
        [{"when": k, "value": v} for k, v in timeline],
        hide_index=True,
        width="stretch",
        column_config={
            "when": st.column_config.TextColumn("Event", width="small"),
            "value": st.column_config.TextColumn("When", width="medium"),
        },
        key="rumour_timing",
    )
    if detail.recommendation:
        st.caption("PIO's recommendation to the Chief's office")
        st.text(detail.recommendation)
    if detail.decision_reason:
        st.caption("Reason for the Chief's decision")
        st.text(detail.decision_reason)
    if detail.correction_url:
        st.link_button("Open the Department's correction", detail.correction_url)


def _run(label: str, action, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Call a workflow function; say plainly what happened, or what to fix."""
    try:
        action(db, actor, row.id, *args, **kwargs)
    except RumorDeskError as exc:
        reason = plain(str(exc).strip().rstrip("."))  # may quote input: escaped
        st.session_state[FLASH] = ("error", f"{label}: not done. {reason[:1].upper()}{reason[1:]}.")
    else:
        st.session_state[FLASH] = ("success", f"{label}: done and recorded in the audit log.")
    st.rerun()


def _refuse(message: str) -> None:
    st.session_state[FLASH] = ("error", message)
    st.rerun()


def _flash() -> None:
    """The outcome of the last action, right where the buttons are."""
    if flash := st.session_state.pop(FLASH, None):
        kind, message = flash
        (st.error if kind == "error" else st.success)(message)


def _show_screenshot(path_text: str | None, sha256: str | None) -> None:
    """A screenshot from our own data folder, re-encoded (never a URL), if it is intact; from
    the database when it was received on another host (store/shared_files.py)."""
    if not path_text:
        return
    folder = Path(settings.staff_reports.screenshot_dir)
    try:
        data = files.read_image(path_text, folder=folder, sha256=sha256)
    except files.ImageRejected:
        st.error("The screenshot file does not match its recorded SHA-256.")
        return
    if data is None and sha256:  # received on another host: the database keeps a copy
        stored = shared_files.get(db, shared_files.SCREENSHOT, sha256)
        if stored is not None:
            data = files.reencode(stored.content, max_bytes=len(stored.content))[0]
    if data is None:
        st.caption("The screenshot file is missing from the data folder.")
        return
    st.image(data, width=480)


if can_triage:
    st.subheader("Actions")
    tabs = st.tabs(
        ["Assign & status", "Escalate", "Note", "Evidence", "Correction & close"],
        key="rumour_tabs",
    )
    with tabs[0]:
        a, b = st.columns(2)
        with a:
            if st.button("Assign to me", key="act_assign_me"):
                _run("Assign", workflow.assign, actor.username)
            who = st.text_input("Or assign to (user name)", key="act_assignee")
            if st.button("Assign", key="act_assign"):
                if not who.strip():
                    _refuse("Assign: type the user name to assign to, or use “Assign to me”.")
                _run("Assign", workflow.assign, who)
        with b:
            status = st.selectbox(
                "Status",
                list(workflow.STATUSES[1:]),
                index=None,
                placeholder="Choose a status",
                format_func=lambda s: workflow.STATUS_LABELS[s],
                key="act_status",
            )
            duplicate = None
            if status == "duplicate":
                duplicate = st.number_input(
                    "Duplicate of rumour #", min_value=1, step=1, key="act_duplicate"
                )
            status_note = st.text_input("Note (optional)", key="act_status_note")
            if st.button("Set status", key="act_set_status"):
                if status is None:
                    _refuse("Status: choose a status first.")
                _run(
                    "Status",
                    workflow.set_status,
                    status,
                    duplicate_of=int(duplicate) if duplicate else None,
                    note=status_note or None,
                )
    with tabs[1]:
        st.caption("Send to the Office of the Chief with your recommendation.")
        advice = st.text_area(
            "Recommendation",
            key="act_recommendation",
            placeholder="e.g. Issue a correction on X and Facebook now.",
        )
        if st.button("Escalate to the Chief's office", type="primary", key="act_escalate"):
            if not advice.strip():
                _refuse("Escalate: write your recommendation for the Chief's office first.")
            _run("Escalate", workflow.escalate, advice)
    with tabs[2]:
        note = st.text_area("Note", key="act_note")
        if st.button("Add note", key="act_add_note"):
            if not note.strip():
                _refuse("Note: write the note first.")
            _run("Note", workflow.add_note, note)
    with tabs[3]:
        st.caption(
            "A snapshot keeps every post's text and raw payload with the capture time "
            "and a SHA-256, so the evidence survives deletion online."
        )
        if st.button("Preserve evidence snapshot", key="act_snapshot"):
            _run("Evidence", workflow.preserve_evidence)
        # No type filter: a file the browser refused would vanish silently; the server
        # checks the content and says why it refuses one.
        shot = st.file_uploader("Screenshot (PNG, JPEG or WebP)", key="act_screenshot")
        if st.button("Attach screenshot", key="act_attach"):
            if shot is None:
                _refuse("Screenshot: choose the image file first.")
            _run(
                "Screenshot",
                workflow.attach_screenshot,
                data=shot.getvalue(),
                filename=shot.name,
                folder=Path(settings.staff_reports.screenshot_dir),
            )
    with tabs[4]:
        link = st.text_input(
            "Link to the Department's correction post (https://…)", key="act_correction"
        )
        if st.button("Link correction", key="act_link"):
            _run("Correction", workflow.link_correction, link)
        if row.closed_at is None:
            close_note = st.text_input("Closing note (optional)", key="act_close_note")
            if st.button("Close rumour", key="act_close"):
                _run("Close", workflow.close, note=close_note or None)
        elif st.button("Reopen rumour", key="act_reopen"):
            _run("Reopen", workflow.reopen)
        hold_reason = st.text_input("Legal hold reason", key="act_hold_reason")
        label = "Release legal hold" if detail.legal_hold else "Place legal hold"
        if st.button(label, key="act_hold"):
            if not hold_reason.strip():
                _refuse("Legal hold: write the reason for the hold first.")
            _run("Legal hold", workflow.set_legal_hold, not detail.legal_hold, hold_reason)
    _flash()
elif actor.can(Permission.DECIDE):
    st.subheader("Note for the PIO")
    note = st.text_area("Note", key="act_note", label_visibility="collapsed")
    if st.button("Add note", key="act_add_note"):
        if not note.strip():
            _refuse("Note: write the note first.")
        _run("Note", workflow.add_note, note)
    _flash()

st.subheader(f"Posts ({context.count(detail.total_posts)})")
if detail.total_posts > len(detail.posts):
    st.caption(f"Showing the first {len(detail.posts):,} by time.")
st.dataframe(
    [
        {
            "link": p.link,
            "posted": context.local_time(p.at),
            "channel": p.channel,
            "text": p.text,
            "author": p.author or EMPTY,
            "likes": context.count(p.likes),
            "shares": context.count(p.shares),
            "replies": context.count(p.replies),
            "views": context.count(p.views),
            "score": EMPTY if p.score is None else f"{p.score:.2f}",
            "department": explain.RELATION_WORDS.get(p.official_relation or "", EMPTY),
        }
        for p in detail.posts
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "link": st.column_config.LinkColumn("Original", display_text="open ↗", width="small"),
        "posted": st.column_config.TextColumn("Posted", width="small"),
        "channel": st.column_config.TextColumn("Channel", width="small"),
        "text": st.column_config.TextColumn("What it says", width="large"),
        "author": st.column_config.TextColumn("Author", width="small"),
        "likes": st.column_config.TextColumn("Likes", width="small"),
        "shares": st.column_config.TextColumn("Shares", width="small"),
        "replies": st.column_config.TextColumn("Replies", width="small"),
        "views": st.column_config.TextColumn("Views", width="small"),
        "score": st.column_config.TextColumn("Score", width="small"),
        "department": st.column_config.TextColumn("The Department", width="small"),
    },
    key="rumour_posts",
)

if detail.department:
    st.subheader("The Department's posts")
    st.dataframe(
        [
            {
                "link": d.link,
                "posted": context.local_time(d.at),
                "relation": explain.RELATION_WORDS.get(d.relation, d.relation),
                "channel": d.channel,
                "text": d.text,
            }
            for d in detail.department
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "link": st.column_config.LinkColumn("Original", display_text="open ↗", width="small"),
            "posted": st.column_config.TextColumn("Posted", width="small"),
            "relation": st.column_config.TextColumn("The Department…", width="medium"),
            "channel": st.column_config.TextColumn("Channel", width="small"),
            "text": st.column_config.TextColumn("What it says", width="large"),
        },
        key="rumour_department",
    )

intake_views.rumour_threads_section(actor, row.id)

if detail.staff_reports:
    st.subheader("Forwarded by staff")
for report in detail.staff_reports:
    with st.container(border=True):
        st.text(f"Reported by {report.reported_by} · seen on {report.where or EMPTY}")
        if report.note:
            st.text(report.note)
        _show_screenshot(report.screenshot_path, report.screenshot_sha256)
intake_views.screenshot_texts_section(actor, row.id)

st.subheader("Evidence")
items = workflow.evidence_for(db, actor, row.id)
if not items:
    st.caption("No evidence preserved yet.")
for item in items:
    st.text(
        f"{item.kind} · {context.local_time(item.captured_at)} · by {item.captured_by} · "
        f"sha256 {item.sha256} · {item.size:,} bytes" + (f" · {item.note}" if item.note else "")
    )
    if item.kind == "screenshot" and item.path:
        _show_screenshot(item.path, item.sha256)

st.subheader("History")
st.dataframe(
    [
        {
            "when": context.local_time(e.at),
            "who": e.actor,
            "role": words.role_words(e.role),
            "action": words.action_words(e.action),
            "detail": words.detail_words(e.detail),
        }
        for e in detail.history
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "when": st.column_config.TextColumn("When", width="small"),
        "who": st.column_config.TextColumn("Who", width="small"),
        "role": st.column_config.TextColumn("Role", width="small"),
        "action": st.column_config.TextColumn("What", width="medium"),
        "detail": st.column_config.TextColumn("Details", width="large"),
    },
    key="rumour_history",
)
