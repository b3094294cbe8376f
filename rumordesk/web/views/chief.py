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
from rumordesk.web import context, demo_panel, navigation, session

actor = session.require_page(Permission.VIEW_QUEUE)
db = context.database()
settings = context.settings()
can_decide = actor.can(Permission.DECIDE)
high = settings.dashboard.high_severity

st.title("Office of the Chief")
demo_panel.demo_banner(db)

if flash := st.session_state.pop("chief_flash", None):
    if flash[0] == "error":  # an error may quote input: plain text, never markdown
        st.error("Not done:")
        st.text(flash[1])
    else:
        st.success(flash[1])


@st.fragment(run_every=settings.dashboard.refresh_seconds)
def pending_list() -> None:
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
            head[3].metric("Waiting", waited)
            st.caption("Claim")
            st.text(row.claim)
            st.caption("Why it is flagged")
            st.text(row.top_reason)
            st.caption(
                f"PIO's recommendation (escalated by {item.escalated_by or '?'}, "
                f"{context.local_time(row.escalated_at)})"
            )
            st.text(item.recommendation)
            evidence = workflow.evidence_for(db, actor, row.id)
            st.caption(
                f"Evidence preserved: {len(evidence)} item(s)"
                + (
                    "; " + ", ".join(f"{e.kind} sha256 {e.sha256[:12]}…" for e in evidence[:5])
                    if evidence
                    else ""
                )
            )
            if st.button("Open the full rumour", key=f"chief_open_{row.id}"):
                navigation.open_rumour(row.id)
            if can_decide:
                with st.form(f"decide_{row.id}"):
                    decision = st.radio(
                        "Decision",
                        list(workflow.DECISIONS),
                        format_func=lambda d: workflow.DECISION_LABELS[d],
                        horizontal=True,
                        key=f"chief_decision_{row.id}",
                    )
                    reason = st.text_area("Reason", key=f"chief_reason_{row.id}")
                    if st.form_submit_button("Record decision", type="primary"):
                        try:
                            workflow.decide(db, actor, row.id, decision, reason)
                        except RumorDeskError as exc:
                            st.session_state["chief_flash"] = ("error", str(exc))
                        else:
                            st.session_state["chief_flash"] = (
                                "success",
                                f"Decision on #{row.id} recorded: "
                                f"{workflow.DECISION_LABELS[decision]}.",
                            )
                        st.rerun()

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
                    "by": d.decided_by or "",
                    "decision": workflow.DECISION_LABELS.get(d.decision, d.decision),
                    "reason": d.reason,
                    "claim": ("[DEMO] " if d.row.is_demo else "") + d.row.claim,
                }
                for d in decided
            ],
            hide_index=True,
            width="stretch",
            key="chief_decided",
        )


pending_list()

st.subheader("Holding statements")
if not settings.templates:
    st.caption("No templates configured: add them under [templates] in config.toml.")
for title, text in settings.templates.items():
    st.caption(title)
    st.code(text, language=None, wrap_lines=True)
