"""The PIO's queue: the rumour that matters most on top, with the reason why.

Thin view over :mod:`triage.queue`. The list re-reads the store every few seconds
(``st.fragment(run_every=…)``); the selected rumour is kept by id in ``st.session_state``,
so a refresh that reorders the list never changes what the PIO was looking at.
Post-derived text (claims, reasons) is shown only as data (tables, st.text), never markup.
"""

from datetime import timedelta

import streamlit as st

from rumordesk.triage import queue
from rumordesk.triage.roles import Permission
from rumordesk.triage.workflow import STATUS_LABELS, STATUSES, WorkflowError, bulk_set_status
from rumordesk.web import context, demo_panel, navigation, session

actor = session.require_page(Permission.VIEW_QUEUE)
db = context.database()
config = context.settings().dashboard
can_triage = actor.can(Permission.TRIAGE)

WINDOWS = {
    "Last 6 hours": timedelta(hours=6),
    "Last 24 hours": timedelta(hours=24),
    "Last 3 days": timedelta(days=3),
    "Last 7 days": timedelta(days=7),
    "Last 30 days": timedelta(days=30),
    "Any time": None,
}
SEVERITIES = {
    "Any severity": 0.0,
    "Low and above": 0.01,
    "Medium and above": 0.5,
    "High only": config.high_severity,
}


@st.cache_data(ttl=60, show_spinner=False)
def _channels() -> list[str]:
    """The channel filter's options change rarely: re-read them once a minute."""
    return queue.channels_in_use(db)


st.title("Rumour queue")
if not can_triage:
    st.caption("Read only: the PIO triages; decisions are taken on the Chief's office page.")

if queue.store_is_empty(db):
    st.info("Nothing collected yet. Sources are polled in the background (see Sources).")
    demo_panel.demo_offer(actor, db)
demo_panel.demo_banner(db)

with st.container(border=True):
    top = st.columns([2, 4, 2, 2])
    window = top[0].selectbox("Time window", list(WINDOWS), index=1, key="q_window")
    statuses = top[1].multiselect(
        "Status",
        list(STATUSES),
        default=list(queue.OPEN_STATUSES),
        format_func=lambda s: STATUS_LABELS[s],
        key="q_status",
    )
    severity = top[2].selectbox("Severity", list(SEVERITIES), key="q_severity")
    channels = ["All channels", *_channels()]
    channel = top[3].selectbox("Channel", channels, key="q_channel")
    bottom = st.columns([4, 2, 2])
    search = bottom[0].text_input(
        "Search claims, places and reasons", key="q_search", placeholder="e.g. Valley Fair"
    )
    min_score = bottom[1].slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key="q_min_score")
    include_closed = bottom[2].toggle("Include closed", key="q_closed")

span = WINDOWS[window]
where = queue.QueueFilter(
    since=(context.now() - span) if span else None,
    statuses=tuple(statuses),
    include_closed=include_closed,
    min_severity=SEVERITIES[severity],
    channel=None if channel == "All channels" else channel,
    min_score=min_score,
    search=search or None,
    limit=config.queue_limit,
)


def _label(row: queue.QueueRow) -> str:
    claim = " ".join(row.claim.split())
    claim = claim if len(claim) <= 90 else claim[:89] + "…"
    demo = "DEMO · " if row.is_demo else ""
    return f"#{row.id} · {demo}{queue.severity_label(row.severity, config.high_severity)} · {claim}"


@st.fragment(run_every=timedelta(seconds=config.refresh_seconds))
def live_queue() -> None:
    counts = queue.counters(db, actor, since=where.since, high_severity=config.high_severity)
    figures = st.columns(4)
    figures[0].metric("New", counts.new, help="Not yet looked at, in the time window.")
    figures[1].metric(
        "High severity",
        counts.high_severity,
        help="Open rumours claiming serious violence (shooting, bomb …).",
    )
    figures[2].metric("Escalated", counts.escalated, help="Sent to the Chief's office.")
    figures[3].metric(
        "Awaiting decision",
        counts.awaiting_decision,
        help="Escalated and not yet decided by the Chief's office.",
    )

    rows = queue.queue(db, actor, where)
    st.caption(
        f"{len(rows)} rumour(s), highest priority first"
        f" · refreshed {context.local_time(context.now())}"
        f" · every {config.refresh_seconds}s"
    )
    if not rows:
        st.info("No rumour matches these filters.")
        return
    table = [
        {
            "id": row.id,
            "severity": queue.severity_label(row.severity, config.high_severity),
            "score": round(row.score, 2),
            "claim": ("[DEMO] " if row.is_demo else "") + row.claim,
            "why": row.top_reason,
            "places": ", ".join(row.places),
            "channels": ", ".join(row.channels),
            "posts": row.post_count,
            "reach": row.reach,
            "first seen": context.local_time(row.first_seen_at),
            "last seen": context.local_time(row.last_seen_at),
            "status": ("Staff report · " if row.priority else "") + row.status_label,
            "assignee": row.assignee or "",
        }
        for row in rows
    ]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "id": st.column_config.NumberColumn("#", width="small", format="%d"),
            "score": st.column_config.ProgressColumn(
                "score", min_value=0, max_value=1, format="%.2f", width="small"
            ),
            "claim": st.column_config.TextColumn("claim", width="large"),
            "why": st.column_config.TextColumn("why it is flagged", width="large"),
            "reach": st.column_config.NumberColumn("reach", format="%d"),
        },
        key="queue_table",
    )

    ids = [row.id for row in rows]
    by_id = {row.id: row for row in rows}
    kept = st.session_state.get(navigation.SELECTED_KEY)
    if st.session_state.get("q_pick") not in ids:
        st.session_state["q_pick"] = kept if kept in ids else ids[0]
    pick_col, open_col = st.columns([5, 1], vertical_alignment="bottom")
    picked = pick_col.selectbox("Rumour", ids, format_func=lambda i: _label(by_id[i]), key="q_pick")
    st.session_state[navigation.SELECTED_KEY] = picked
    if open_col.button("Open rumour", type="primary", key="q_open", width="stretch"):
        navigation.open_rumour(picked)

    if can_triage and st.toggle("Bulk action: many low-value rumours at once", key="q_bulk"):
        with st.container(border=True):
            chosen = st.multiselect(
                "Rumours", ids, format_func=lambda i: _label(by_id[i]), key="q_bulk_ids"
            )
            target = st.selectbox(
                "Set status to",
                ["not_relevant", "accurate", "reviewing"],
                format_func=lambda s: STATUS_LABELS[s],
                key="q_bulk_status",
            )
            if st.button(
                f"Apply to {len(chosen)} rumour(s)", key="q_bulk_apply", disabled=not chosen
            ):
                try:
                    changed = bulk_set_status(db, actor, chosen, target)
                except WorkflowError as exc:
                    st.error(str(exc))
                else:
                    st.session_state.pop("q_bulk_ids", None)
                    st.toast(f"{changed} rumour(s) set to {STATUS_LABELS[target]}")
                    st.rerun()


live_queue()
