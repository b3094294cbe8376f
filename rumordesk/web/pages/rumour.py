"""One rumour: its posts, why it scored as it did, the Department's posts, its history, and
the PIO's actions. Every action calls :mod:`triage.workflow` (role-checked and audited).

Post text, author names, claims and reasons are untrusted: they appear only in st.text,
st.code and tables. Links are shown only when they are http(s); screenshots only from our
own data folder, read as bytes.
"""

import hashlib
from pathlib import Path

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.triage import queue, workflow
from rumordesk.triage.detail import rumor_detail
from rumordesk.triage.roles import Permission
from rumordesk.web import context, intake_views, navigation, session

actor = session.require_page(Permission.VIEW_QUEUE)
db = context.database()
settings = context.settings()
can_triage = actor.can(Permission.TRIAGE)

rumor_id = st.session_state.get(navigation.SELECTED_KEY)
if rumor_id is None and st.query_params.get("id", "").isdigit():
    rumor_id = int(st.query_params["id"])
if rumor_id is None:
    st.title("Rumour detail")
    st.info("Pick a rumour on the Queue page first.")
    st.stop()

detail = rumor_detail(db, actor, int(rumor_id))
if detail is None:
    st.title("Rumour detail")
    st.warning(f"Rumour {rumor_id} no longer exists.")
    st.stop()
row = detail.row
high = settings.dashboard.high_severity

st.title(f"Rumour #{row.id}")
if row.is_demo:
    st.warning("DEMO DATA: this rumour was made from invented posts.", icon=":material/science:")
st.caption("Leading claim")
st.text(row.claim or "(no claim text)")

figures = st.columns(6)
figures[0].metric("Severity", queue.severity_label(row.severity, high))
figures[1].metric("Score", f"{row.score:.2f}")
figures[2].metric("Posts", f"{detail.total_posts:,}")
figures[3].metric("Reach", f"{row.reach:,}")
figures[4].metric("Status", row.status_label)
figures[5].metric("Assignee", row.assignee or "nobody")

left, right = st.columns([3, 2])
with left:
    st.subheader("Why it is flagged")
    st.text("\n".join(f"• {reason}" for reason in detail.reasons) or "(no reasons recorded)")
    if detail.department:
        st.subheader("The Department's posts")
        st.dataframe(
            [
                {
                    "relation": d.relation,
                    "posted": context.local_time(d.at),
                    "channel": d.channel,
                    "text": d.text,
                    "link": d.link,
                }
                for d in detail.department
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "text": st.column_config.TextColumn("text", width="large"),
                "link": st.column_config.LinkColumn("link", display_text="open"),
            },
            key="rumour_department",
        )
with right:
    st.subheader("Score breakdown")
    breakdown = [{"signal": k, "value": str(v)} for k, v in detail.signals.items()]
    if detail.model_version:
        breakdown.append({"signal": "model version", "value": detail.model_version})
    st.dataframe(breakdown, hide_index=True, width="stretch", key="rumour_signals")
    timing = [
        ("First seen", context.local_time(row.first_seen_at)),
        ("Last seen", context.local_time(row.last_seen_at)),
        ("First action", context.local_time(detail.first_action_at)),
        (
            "Escalated",
            f"{context.local_time(row.escalated_at)} by {detail.escalated_by or ''}"
            if row.escalated_at
            else "",
        ),
        (
            "Decision",
            f"{workflow.DECISION_LABELS.get(row.decision or '', '')} by {detail.decided_by or ''}"
            if row.decision
            else "",
        ),
    ]
    st.dataframe(
        [{"when": k, "": v} for k, v in timing if v],
        hide_index=True,
        width="stretch",
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

st.subheader(f"Posts ({detail.total_posts:,})")
if detail.total_posts > len(detail.posts):
    st.caption(f"Showing the first {len(detail.posts):,} by time.")
st.dataframe(
    [
        {
            "posted": context.local_time(p.at),
            "channel": p.channel,
            "author": p.author,
            "text": p.text,
            "likes": p.likes,
            "shares": p.shares,
            "replies": p.replies,
            "views": p.views,
            "score": None if p.score is None else round(p.score, 2),
            "Department": "vs. " + p.official_relation
            if p.official_relation and p.official_relation != "none"
            else "",
            "link": p.link,
        }
        for p in detail.posts
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "text": st.column_config.TextColumn("text", width="large"),
        "link": st.column_config.LinkColumn("link", display_text="open"),
    },
    key="rumour_posts",
)


def _run(label: str, action, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Call a workflow function; say plainly what happened or why not."""
    try:
        action(db, actor, row.id, *args, **kwargs)
    except RumorDeskError as exc:
        st.session_state["rumour_flash"] = ("error", f"{label}: {exc}")
    else:
        st.session_state["rumour_flash"] = ("success", f"{label}: done and recorded.")
    st.rerun()


def _show_screenshot(path_text: str | None, sha256: str | None) -> None:
    """A screenshot from our own data folder, as bytes (never a URL), if it is intact."""
    if not path_text:
        return
    folder = Path(settings.staff_reports.screenshot_dir).resolve()
    path = Path(path_text).resolve()
    if not (path.is_relative_to(folder) and path.is_file()):
        st.caption("The screenshot file is missing from the data folder.")
        return
    data = path.read_bytes()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        st.error("The screenshot file does not match its recorded SHA-256.")
        return
    st.image(data, width=480)


if flash := st.session_state.pop("rumour_flash", None):
    if flash[0] == "error":  # an error may quote input: plain text, never markdown
        st.error("Not done:")
        st.text(flash[1])
    else:
        st.success(flash[1])

if can_triage:
    st.subheader("Actions")
    tabs = st.tabs(["Assign & status", "Escalate", "Note", "Evidence", "Correction & close"])
    with tabs[0]:
        a, b = st.columns(2)
        with a:
            if st.button("Assign to me", key="act_assign_me"):
                _run("Assign", workflow.assign, actor.username)
            who = st.text_input("Or assign to (user name)", key="act_assignee")
            if st.button("Assign", key="act_assign"):
                _run("Assign", workflow.assign, who or None)
        with b:
            status = st.selectbox(
                "Status",
                list(workflow.STATUSES[1:]),
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
            _run("Escalate", workflow.escalate, advice)
    with tabs[2]:
        note = st.text_area("Note", key="act_note")
        if st.button("Add note", key="act_add_note"):
            _run("Note", workflow.add_note, note)
    with tabs[3]:
        st.caption(
            "A snapshot keeps every post's text and raw payload with the capture time "
            "and a SHA-256, so the evidence survives deletion online."
        )
        if st.button("Preserve evidence snapshot", key="act_snapshot"):
            _run("Evidence", workflow.preserve_evidence)
        shot = st.file_uploader(
            "Screenshot (PNG, JPEG or WebP)",
            type=["png", "jpg", "jpeg", "webp"],
            key="act_screenshot",
        )
        if shot is not None and st.button("Attach screenshot", key="act_attach"):
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
            _run("Legal hold", workflow.set_legal_hold, not detail.legal_hold, hold_reason)
elif actor.can(Permission.DECIDE):
    note = st.text_area("Note for the PIO", key="act_note")
    if st.button("Add note", key="act_add_note"):
        _run("Note", workflow.add_note, note)

intake_views.rumour_threads_section(actor, row.id)

if detail.staff_reports:
    st.subheader("Forwarded by staff")
for report in detail.staff_reports:
    with st.container(border=True):
        st.text(f"Reported by {report.reported_by} · seen on {report.where}")
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
            "role": e.role,
            "action": e.action,
            "detail": ", ".join(f"{k}: {v}" for k, v in e.detail.items() if v not in (None, "")),
        }
        for e in detail.history
    ],
    hide_index=True,
    width="stretch",
    key="rumour_history",
)
