"""Alert delivery: what went out to whom, what is retrying, what failed and why."""

from datetime import UTC, datetime, timedelta

import streamlit as st

from rumordesk.triage.alerts import configured_targets
from rumordesk.triage.alerts.queue import STATUSES, counts, recent
from rumordesk.triage.roles import Permission
from rumordesk.web import context, session, words
from rumordesk.web.context import EMPTY

actor = session.require_page(Permission.VIEW_SOURCES)
db = context.database()
rule = context.settings().alerts

st.title("Alerts")
st.caption(
    f"A rumour alerts when its score reaches {rule.min_score:.2f} and its severity "
    f"{rule.min_severity:.2f}; once more if its reach grows ×{rule.growth_factor:g}. "
    "An alert that may have arrived without confirmation (e-mail, Teams, Slack) is marked "
    "failed rather than sent twice: check that target."
)

targets = configured_targets(rule)
if not targets:
    st.warning(
        "No alert targets are configured: set [alerts] email_to or [[alerts.webhooks]] in "
        "config.toml, then check them with `rumordesk alerts test`."
    )
else:
    st.text("Targets: " + ", ".join(f"{t.key} ({t.kind})" for t in targets))

day = counts(db, since=datetime.now(UTC) - timedelta(hours=24))
cols = st.columns(4)
cols[0].metric("Sent (24 h)", day["sent"])
cols[1].metric("Waiting to send", day["queued"] + day["retrying"] + day["sending"])
cols[2].metric("Failed (24 h)", day["failed"], help="See the reason in the table below.")
cols[3].metric("Cancelled (24 h)", day["cancelled"], help="Rumour judged before delivery.")

status = st.selectbox(
    "Status",
    ["All", *STATUSES],
    format_func=lambda s: words.ALERT_STATUS_WORDS.get(s, s),
    key="alerts_status",
)
rows = recent(db, limit=300, status=None if status == "All" else status)
show_claim = actor.can(Permission.VIEW_QUEUE)  # the claim is post text: queue readers only
table = [
    {
        "alert": r.id,
        "rumour": r.rumor_id,
        "kind": words.ALERT_KIND_WORDS.get(r.kind, r.kind),
        "target": r.target,
        "status": words.ALERT_STATUS_WORDS.get(r.status, r.status),
        "attempts": r.attempts,
        "queued": context.local_time(r.created_at),
        "sent": context.local_time(r.sent_at),
        "next attempt": context.local_time(r.next_attempt_at)
        if r.status in ("queued", "retrying")
        else EMPTY,
        "reason": r.last_error or EMPTY,
        **({"claim": r.claim} if show_claim else {}),
    }
    for r in rows
]
if table:
    st.dataframe(  # post text shown as data
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "alert": st.column_config.NumberColumn("Alert", format="%d", width="small"),
            "rumour": st.column_config.NumberColumn("Rumour", format="%d", width="small"),
            "kind": st.column_config.TextColumn("Kind", width="small"),
            "target": st.column_config.TextColumn("Target", width="medium"),
            "status": st.column_config.TextColumn("Status", width="small"),
            "attempts": st.column_config.NumberColumn("Attempts", width="small"),
            "queued": st.column_config.TextColumn("Queued", width="small"),
            "sent": st.column_config.TextColumn("Sent", width="small"),
            "next attempt": st.column_config.TextColumn("Next attempt", width="small"),
            "reason": st.column_config.TextColumn("Reason", width="medium"),
            "claim": st.column_config.TextColumn("Claim", width="large"),
        },
        key="alerts_table",
    )
else:
    st.info("No alerts yet.")
