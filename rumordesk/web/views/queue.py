"""The PIO's queue: is collection working, what is new, and the rumour that matters most on
top — one compact table a PIO scans in a second; clicking a row opens the rumour.

Thin view over :mod:`triage.queue`. The counters and tables re-read the store every few
seconds (``st.fragment(run_every=…)``), and each refresh checks the session again, so a
session ended in another tab stops here too. A click is mapped through the ids the table
showed when it was clicked, so a refresh that reorders the list never opens the wrong
rumour. What staff forwarded has its own band below the model's queue. Post-derived text
(claims, reasons) is shown only as data (tables), never markup.
"""

from dataclasses import replace
from datetime import timedelta

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.triage import queue
from rumordesk.triage.roles import Permission
from rumordesk.triage.workflow import STATUS_LABELS, STATUSES, bulk_set_status
from rumordesk.web import context, demo_panel, health_banner, navigation, session
from rumordesk.web.context import EMPTY
from rumordesk.web.plain import plain

actor = session.require_page(Permission.VIEW_QUEUE)
db = context.database()
config = context.settings().dashboard
can_triage = actor.can(Permission.TRIAGE)
BULK = "q_bulk"
#: Bumped after a row opens a rumour or a bulk change, so the tables start unselected.
VERSION = "q_table_version"

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
BULK_TARGETS = ("not_relevant", "accurate", "reviewing")


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


def _collection() -> None:
    session.still_signed_in()
    health_banner.health_banner()


# First what matters before any rumour: is collection working? (Re-checked on each refresh.)
st.fragment(run_every=timedelta(seconds=config.refresh_seconds))(_collection)()
banner, remove = st.columns([5, 1], vertical_alignment="center")
with banner:
    demo_panel.demo_banner(db, actor)
with remove:
    demo_panel.demo_removal(db, actor)
demo_panel.demo_removal_confirmation(db, actor)

filters = st.columns([2, 2, 2, 3, 1.4], vertical_alignment="bottom")
window = filters[0].selectbox("Time window", list(WINDOWS), index=1, key="q_window")
severity = filters[1].selectbox("Severity", list(SEVERITIES), key="q_severity")
channel = filters[2].selectbox("Channel", ["All channels", *_channels()], key="q_channel")
search = filters[3].text_input(
    "Search claims, places and reasons", key="q_search", placeholder="e.g. Valley Fair"
)
with filters[4].popover("More filters", width="stretch"):
    statuses = st.multiselect(
        "Status",
        list(STATUSES),
        default=list(queue.OPEN_STATUSES),
        format_func=lambda s: STATUS_LABELS[s],
        key="q_status",
    )
    min_score = st.slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key="q_min_score")
    include_closed = st.toggle("Include closed", key="q_closed")

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
bulk = can_triage and bool(st.session_state.get(BULK))


def _claim(row: queue.QueueRow) -> str:
    claim = " ".join(row.claim.split()) or EMPTY
    return ("DEMO · " if row.is_demo else "") + claim


def _status(row: queue.QueueRow) -> str:
    return row.status_label + (" · staff" if row.forwarded_by_staff else "")


def _table(rows: list[queue.QueueRow]) -> list[dict]:  # type: ignore[type-arg]
    return [
        {
            "severity": queue.severity_label(row.severity, config.high_severity),
            "score": f"{row.score:.2f}",
            "claim": _claim(row),
            "where": ", ".join(row.places) or EMPTY,
            "first_seen": context.ago(row.first_seen_at),
            "reach": context.count(row.reach),
            "status": _status(row),
            "assignee": row.assignee or EMPTY,
        }
        for row in rows
    ]


COLUMNS = {
    "severity": st.column_config.TextColumn(
        "Severity",
        width=70,
        help="High: claims serious violence (shooting, bomb). Medium: a threat or weapon. "
        "Low: lesser harm. —: no harm claimed.",
    ),
    "score": st.column_config.TextColumn(
        "Score", width=52, help="0–1: how likely false and harmful, with its spread."
    ),
    "claim": st.column_config.TextColumn("Claim", width=262),
    "where": st.column_config.TextColumn("Where", width=118),
    "first_seen": st.column_config.TextColumn("First seen", width=92),
    "reach": st.column_config.TextColumn("Reach", width=60, help="Likes, shares and replies."),
    "status": st.column_config.TextColumn("Status", width=138),
    "assignee": st.column_config.TextColumn("Assignee", width=70),
}


def _height(count: int, most: int) -> int:
    return 38 + 35 * max(1, min(count, most))


def _rows_table(rows: list[queue.QueueRow], name: str, *, most: int) -> None:
    """A table whose row, clicked, opens that rumour (or, in bulk mode, is chosen)."""
    shown_key = f"q_shown_{name}"
    shown: list[int] = st.session_state.get(shown_key, [])
    version = st.session_state.get(VERSION, 0)
    event = st.dataframe(
        _table(rows),
        hide_index=True,
        width="stretch",
        height=_height(len(rows), most),
        column_config=COLUMNS,
        on_select="rerun",
        # A click on any cell opens the rumour (a cell selection is a row's click here);
        # in bulk mode rows are ticked instead.
        selection_mode="multi-row" if bulk else ["single-row", "single-cell"],
        key=f"q_table_{name}_{version}{'_bulk' if bulk else ''}",
    )
    ids = [row.id for row in rows]
    if bulk:  # the bulk list is frozen (no refresh): what is shown is what was ticked
        st.session_state[f"q_picked_{name}"] = [
            ids[i] for i in event.selection.rows if i < len(ids)
        ]
        return
    # A click refers to the rows as they were shown when it happened (a refresh may have
    # reordered them since): map it through those ids, never through the fresh list.
    clicked = list(event.selection.rows) + [cell[0] for cell in event.selection.cells]
    picked = [shown[i] for i in clicked if i < len(shown)]
    st.session_state[shown_key] = ids
    if picked:
        st.session_state[VERSION] = version + 1
        navigation.open_rumour(picked[0])


def _counters() -> None:
    counts = queue.counters(db, actor, since=where.since, high_severity=config.high_severity)
    figures = st.columns(4)
    figures[0].metric(
        "New", counts.new, help="Open and not yet acted on by anyone, in the time window."
    )
    figures[1].metric(
        "High severity",
        counts.high_severity,
        help="Open rumours claiming serious violence (shooting, bomb …).",
    )
    figures[2].metric(
        "Awaiting the Chief",
        counts.awaiting_decision,
        help="Escalated and not yet decided by the Chief's office.",
    )
    figures[3].metric(
        "Forwarded by staff",
        counts.forwarded_new,
        help="Reports staff sent that nobody has acted on yet (listed below the queue).",
    )


def live_queue() -> None:
    session.still_signed_in()
    _counters()
    if bulk:
        rows = st.session_state.setdefault("q_bulk_rows", queue.queue(db, actor, where))
    else:
        rows = queue.queue(db, actor, where)
    st.caption(
        f"{len(rows)} rumour(s), highest score first · click a row to open it · "
        f"refreshed {context.clock_time(context.now())}"
        + ("" if bulk else f", every {config.refresh_seconds} s")
    )
    if rows:
        _rows_table(rows, "main", most=12)
    elif where.since is not None or where.search or where.channel or where.min_score:
        st.info("No rumour matches these filters. Widen the time window or clear the search.")
    else:
        st.info("No open rumour right now.")

    staff_where = replace(where, forwarded=True, limit=50)
    forwarded = (
        st.session_state.setdefault("q_bulk_staff", queue.queue(db, actor, staff_where))
        if bulk
        else queue.queue(db, actor, staff_where)
    )
    st.subheader("Forwarded by staff", divider="gray")
    st.caption(
        "What staff reported, scored and explained like every post. Here so none is missed, "
        "without pushing a higher-scoring threat down the queue."
    )
    if forwarded:
        _rows_table(forwarded, "staff", most=6)
    else:
        st.caption("Nothing forwarded by staff in this view.")


refresh = None if bulk else timedelta(seconds=config.refresh_seconds)
st.fragment(run_every=refresh)(live_queue)()


CONFIRM = "q_bulk_confirm"


def _leave_bulk() -> None:
    for key in ("q_bulk_rows", "q_bulk_staff", "q_picked_main", "q_picked_staff", CONFIRM):
        st.session_state.pop(key, None)
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def _confirm_bulk(ids: list[int], target: str) -> None:
    """Ask before changing several rumours: which ones, and to what."""
    rows = {r.id: r for r in st.session_state.get("q_bulk_rows", [])}
    rows |= {r.id: r for r in st.session_state.get("q_bulk_staff", [])}
    with st.container(border=True):
        st.warning(f"Set these {len(ids)} rumour(s) to **{STATUS_LABELS[target]}**?")
        st.dataframe(
            [{"#": i, "claim": _claim(rows[i]) if i in rows else EMPTY} for i in ids],
            hide_index=True,
            width="stretch",
            column_config={
                "#": st.column_config.NumberColumn("Rumour", format="%d", width=70),
                "claim": st.column_config.TextColumn("Claim", width="large"),
            },
            key="q_bulk_confirm_list",
        )
        yes, no, _ = st.columns([2, 1, 3])
        if yes.button(f"Yes, set {len(ids)} rumour(s)", type="primary", key="q_bulk_yes"):
            try:
                changed = bulk_set_status(db, actor, ids, target)
            except RumorDeskError as exc:  # refused (account, session) or not applicable
                st.session_state["q_bulk_flash"] = (
                    "error",
                    f"Not changed: {plain(str(exc))}.",
                )
            else:
                st.session_state["q_bulk_flash"] = (
                    "success",
                    f"{changed} rumour(s) set to {STATUS_LABELS[target]}; "
                    "each change is in the audit log.",
                )
            _leave_bulk()
            st.rerun()
        if no.button("Cancel", key="q_bulk_no"):
            st.session_state.pop(CONFIRM, None)
            st.rerun()


if can_triage:
    if st.toggle(
        "Change several at once (e.g. close low-value chatter)",
        key=BULK,
        on_change=_leave_bulk,
        help="The list stops refreshing while you choose; tick rows in the tables above.",
    ):
        chosen = sorted(
            {
                *st.session_state.get("q_picked_main", []),
                *st.session_state.get("q_picked_staff", []),
            }
        )
        pick, act = st.columns([2, 2], vertical_alignment="bottom")
        target = pick.selectbox(
            "Set the chosen rumours to",
            BULK_TARGETS,
            index=None,
            placeholder="Choose a status",
            format_func=lambda s: STATUS_LABELS[s],
            key="q_bulk_status",
        )
        if act.button(
            f"Set {len(chosen)} chosen rumour(s)…" if chosen else "Tick rows in the tables first",
            key="q_bulk_apply",
            disabled=not chosen or target is None,
        ):
            st.session_state[CONFIRM] = (chosen, target)
        if confirm := st.session_state.get(CONFIRM):
            _confirm_bulk(*confirm)
    if flash := st.session_state.pop("q_bulk_flash", None):
        (st.error if flash[0] == "error" else st.success)(flash[1])
