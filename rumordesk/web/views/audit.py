"""The audit log (who did what, when) and the PIO's response-time figures."""

import io
from datetime import UTC, datetime, time, timedelta

import streamlit as st

from rumordesk.reports.tables import write_csv
from rumordesk.triage import audit, response_times, workflow
from rumordesk.triage.roles import Permission
from rumordesk.web import context, session, words
from rumordesk.web.context import EMPTY

actor = session.require_page(Permission.VIEW_AUDIT)
db = context.database()
tz = context.settings().department.tz
#: What people do; what the system does (alerts, purges, configuration changes…) comes
#: from the log itself.
PEOPLE_ACTIONS = {
    *workflow.ACTIONS,
    "staff_report",
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "export",
}
ACTIONS = sorted(PEOPLE_ACTIONS | set(audit.actions_in_use(db)))
COLUMNS = ["id", "at", "actor", "role", "action", "rumor_id", "subject", "detail"]
HEADINGS = ["Entry", "When", "Who", "Role", "What", "Rumour #", "Subject", "Details"]

st.title("Audit")

with st.container(border=True):
    cols = st.columns([2, 2, 1, 3])
    who = cols[0].text_input("User", key="audit_user")
    action = cols[1].selectbox(
        "Action",
        ["All actions", *ACTIONS],
        format_func=lambda a: a if a == "All actions" else words.action_words(a),
        key="audit_action",
    )
    rumor = cols[2].number_input(
        "Rumour #", min_value=0, step=1, key="audit_rumor", help="0 for every rumour"
    )
    today = datetime.now(tz).date()
    dates = cols[3].date_input("Dates", (today - timedelta(days=7), today), key="audit_dates")

start, end = (
    (dates if isinstance(dates, tuple) and len(dates) == 2 else (dates, dates))
    if dates
    else (None, None)
)
since = datetime.combine(start, time.min, tz).astimezone(UTC) if start else None
until = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC) if end else None
rows = audit.entries(
    db,
    actor=who.strip() or None,
    action=None if action == "All actions" else action,
    rumor_id=int(rumor) or None,
    since=since,
    until=until,
    limit=1000,
)
table = [
    {
        "id": e.id,
        "at": e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": e.actor,
        "role": words.role_words(e.role),
        "action": words.action_words(e.action),
        "rumor_id": e.rumor_id,
        "subject": e.subject or EMPTY,
        "detail": words.detail_words(e.detail) or EMPTY,
    }
    for e in rows
]
st.caption(f"{len(table)} entr{'y' if len(table) == 1 else 'ies'} (newest first, at most 1,000)")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key="audit_table",
    column_config={
        "id": st.column_config.NumberColumn("Entry", format="%d", width="small"),
        "at": st.column_config.TextColumn("When", width="small"),
        "actor": st.column_config.TextColumn("Who", width="small"),
        "role": st.column_config.TextColumn("Role", width="small"),
        "action": st.column_config.TextColumn("What", width="medium"),
        "rumor_id": st.column_config.NumberColumn("Rumour #", format="%d", width="small"),
        "subject": st.column_config.TextColumn("Subject", width="small"),
        "detail": st.column_config.TextColumn("Details", width="large"),
    },
)

buffer = io.StringIO()
write_csv(table, COLUMNS, buffer, headers=HEADINGS)


def _exported() -> None:
    audit.record_now(
        db,
        actor,
        "export",
        subject="audit.csv",
        detail={"rows": len(table), "action": action, "user": who},
    )


if actor.can(Permission.EXPORT) or actor.can(Permission.VIEW_AUDIT):
    st.download_button(
        "Export CSV",
        buffer.getvalue(),
        file_name="rumordesk-audit.csv",
        mime="text/csv",
        on_click=_exported,
        key="audit_export",
        icon=":material/download:",
    )

if st.button("Verify the audit chain", key="audit_verify"):
    check = audit.verify(db)
    (st.success if check.ok else st.error)(f"The audit log is {check.describe()}.")

if actor.can(Permission.VIEW_QUEUE):
    st.subheader("Response times")
    summary = response_times.response_times(db, actor, since=since)
    figures = st.columns(2)
    figures[0].metric(
        "Median: first post → first action",
        response_times.duration_text(summary.median_to_first_action) or EMPTY,
    )
    figures[1].metric(
        "Median: first post → Chief's decision",
        response_times.duration_text(summary.median_to_decision) or EMPTY,
    )
    st.dataframe(
        [
            {
                "#": r.rumor_id,
                "claim": ("DEMO · " if r.is_demo else "") + r.claim,
                "first post": context.local_time(r.first_seen_at),
                "to first action": response_times.duration_text(r.to_first_action) or EMPTY,
                "to decision": response_times.duration_text(r.to_decision) or EMPTY,
            }
            for r in summary.rows
        ],
        hide_index=True,
        width="stretch",
        key="audit_response_times",
    )
