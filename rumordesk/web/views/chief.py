"""The Office of the Chief: escalated rumours awaiting a decision, the longest wait first.

The decision (correction / monitor / no action / other, with a reason) is recorded by
:func:`triage.workflow.decide`, which only the Chief's office may call; the PIO sees this
page read-only, sees decisions the moment they are made, and copies holding statements.
"""

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.triage import chief, queue, workflow
from rumordesk.triage.response_times import duration_text
from rumordesk.triage.roles import Permission
from rumordesk.web import context, demo_panel, health_banner, navigation, session
from rumordesk.web.context import EMPTY
from rumordesk.web.plain import plain

actor = session.require_page(Permission.VIEW_QUEUE)
db = context.database()
settings = context.settings()
can_decide = actor.can(Permission.DECIDE)
high = settings.dashboard.high_severity
FLASH = "chief_flash"

st.title("Office of the Chief")
demo_panel.demo_banner(db, actor)


@st.fragment(run_every=settings.dashboard.refresh_seconds)
def pending_list() -> None:
    session.still_signed_in()
    health_banner.health_banner(link=False, one_line=True)
    if done := st.session_state.pop(FLASH, None):  # the decision just recorded
        st.success(done[2])
    pending = chief.awaiting_decision(db, actor)
    st.subheader(f"Awaiting a decision ({len(pending)})")
    if not pending:
        st.info("Nothing is waiting for the Chief's office.")
    for item in pending:
        row = item.row
        waited = duration_text(context.now() - row.escalated_at) if row.escalated_at else ""
        with st.container(border=True):
            head = st.columns([1, 1, 1, 1])
            head[0].metric("Rumour", f"#{row.id}" + (" (DEMO)" if row.is_demo else ""))
            head[1].metric("Severity", queue.severity_label(row.severity, high))
            head[2].metric("Posts / reach", f"{row.post_count:,} / {row.reach:,}")
            head[3].metric("Waiting", waited or EMPTY)
            st.caption("Claim")
            st.text(row.claim or EMPTY)
            st.caption("Why it is flagged")
            st.text(row.top_reason or EMPTY)
            st.caption(
                f"PIO's recommendation (escalated by {plain(item.escalated_by or EMPTY)}, "
                f"{context.local_time(row.escalated_at)})"
            )
            st.text(item.recommendation or EMPTY)
            evidence = workflow.evidence_for(db, actor, row.id)
            st.caption(
                f"Evidence preserved: {len(evidence)} item(s): "
                + ", ".join(f"{e.kind} sha256 {e.sha256[:12]}…" for e in evidence[:5])
                if evidence
                else "No evidence preserved yet."
            )
            st.page_link(
                navigation.RUMOUR.path,
                label=f"Open rumour #{row.id}: its posts, evidence and history",
                icon=":material/article:",
                query_params={"id": str(row.id)},
            )
            if can_decide:
                with st.form(f"decide_{row.id}"):
                    decision = st.radio(
                        "Decision",
                        list(workflow.DECISIONS),
                        index=None,  # no decision is chosen for the Chief
                        format_func=lambda d: workflow.DECISION_LABELS[d],
                        horizontal=True,
                        key=f"chief_decision_{row.id}",
                    )
                    reason = st.text_area("Reason", key=f"chief_reason_{row.id}")
                    submitted = st.form_submit_button("Record decision", type="primary")
                if submitted:
                    _decide(row.id, decision, reason)

    decided = chief.recent_decisions(db, actor, limit=20)
    st.subheader("Recent decisions")
    if not decided:
        st.caption("No decisions yet.")
    else:
        st.dataframe(
            [
                {
                    "#": d.row.id,
                    "decided": context.local_time(d.decided_at),
                    "by": d.decided_by or EMPTY,
                    "decision": workflow.DECISION_LABELS.get(d.decision, d.decision),
                    "reason": d.reason or EMPTY,
                    "claim": ("DEMO · " if d.row.is_demo else "") + d.row.claim,
                }
                for d in decided
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "#": st.column_config.NumberColumn("Rumour", width=70, format="%d"),
                "decided": st.column_config.TextColumn("Decided", width="small"),
                "by": st.column_config.TextColumn("By", width="small"),
                "decision": st.column_config.TextColumn("Decision", width="medium"),
                "reason": st.column_config.TextColumn("Reason", width="medium"),
                "claim": st.column_config.TextColumn("Claim", width="large"),
            },
            key="chief_decided",
        )


def _decide(rumor_id: int, decision: str | None, reason: str) -> None:
    """Record the decision, or say right here, in one message, what is missing."""
    missing = [
        what
        for what, absent in (
            ("choose a decision", decision is None),
            ("write the reason", not reason.strip()),
        )
        if absent
    ]
    if missing:
        st.error(f"Not recorded: {' and '.join(missing)}.")
        return
    try:
        workflow.decide(db, actor, rumor_id, decision, reason)
    except RumorDeskError as exc:
        st.error(f"Not recorded: {plain(str(exc))}.")
        return
    st.session_state[FLASH] = (
        rumor_id,
        "success",
        f"Decision on #{rumor_id} recorded: {workflow.DECISION_LABELS[decision]}. "
        "The PIO sees it now.",
    )
    st.rerun()


pending_list()

st.subheader("Holding statements")
if not settings.templates:
    st.caption("No templates configured: add them under [templates] in config.toml.")
for title, text in settings.templates.items():
    st.caption(plain(title))
    st.code(text, language=None, wrap_lines=True)
