"""Source health: is each collector working, when did it last succeed, when does it run
next, and what to fix. The same summary as the queue's banner, source by source."""

from datetime import UTC, datetime

import streamlit as st

from rumordesk.collectors.budget import describe_reads
from rumordesk.store.sources import load_cursor, source_health, sync_sources
from rumordesk.triage.collection_health import FAILING
from rumordesk.triage.roles import Permission
from rumordesk.web import health_banner, session, words
from rumordesk.web.context import EMPTY, ago, database, local_time, settings

session.require_page(Permission.VIEW_SOURCES)
st.title("Source health")
configured = {s.name: s for s in settings().sources}
db = database()
sync_sources(db, configured.values())
health_banner.health_banner(link=False)

rows = []
for health in source_health(db, configured):
    source = configured[health.name]
    status = health.status if source.enabled else "disabled"
    rows.append(
        {
            "source": health.name,
            "status": words.source_status_words(status),
            "last success": ago(health.last_success_at),
            "next poll": local_time(health.next_poll_at) if source.enabled else EMPTY,
            "last error": health.last_error or EMPTY,
            "new / updated": f"{health.last_new} / {health.last_updated}",
            # X bills per post read: what today's budget has spent (blank where none applies).
            "reads today": describe_reads(
                load_cursor(db, health.name),
                today=f"{datetime.now(UTC):%F}",
                per_day=getattr(source, "max_reads_per_day", None),
            )
            or EMPTY,
            "kind": source.kind,
            "channel": source.channel,
            "purpose": source.purpose or EMPTY,
            "_failing": source.enabled and health.status in FAILING,
        }
    )
failing = sum(1 for r in rows if r.pop("_failing"))
enabled = sum(1 for s in configured.values() if s.enabled)
st.metric(
    "Sources failing",
    f"{failing} of {enabled} enabled",
    help="Enabled sources whose last run failed, was refused, rate-limited or misconfigured.",
)
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={
        "source": st.column_config.TextColumn("Source", width="medium"),
        "status": st.column_config.TextColumn("Status", width="small"),
        "last success": st.column_config.TextColumn("Last success", width="small"),
        "next poll": st.column_config.TextColumn("Next poll", width="small"),
        "last error": st.column_config.TextColumn("Last error (what to fix)", width="large"),
        "new / updated": st.column_config.TextColumn("New / updated (last run)", width="small"),
        "reads today": st.column_config.TextColumn("Reads today", width="small"),
        "kind": st.column_config.TextColumn("Kind", width="small"),
        "channel": st.column_config.TextColumn("Channel", width="small"),
        "purpose": st.column_config.TextColumn("Purpose", width="medium"),
    },
    key="sources_table",
)
