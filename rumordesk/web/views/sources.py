"""Source health: is each collector working, and when does it run next?"""

from datetime import UTC, datetime

import streamlit as st

from rumordesk.collectors.budget import describe_reads
from rumordesk.store.sources import load_cursor, source_health, sync_sources
from rumordesk.triage.roles import Permission
from rumordesk.web.context import database, local_time, settings
from rumordesk.web.session import require_page

require_page(Permission.VIEW_SOURCES)
st.title("Source health")
configured = {s.name: s for s in settings().sources}
db = database()
sync_sources(db, configured.values())

rows = []
for health in source_health(db, configured):
    source = configured[health.name]
    rows.append(
        {
            "source": health.name,
            "kind": source.kind,
            "channel": source.channel,
            "status": health.status if source.enabled else "disabled",
            "last success": local_time(health.last_success_at),
            "new / updated (last run)": f"{health.last_new} / {health.last_updated}",
            # X bills per post read: what today's budget has spent (blank where none applies).
            "reads (today)": describe_reads(
                load_cursor(db, health.name),
                today=f"{datetime.now(UTC):%F}",
                per_day=getattr(source, "max_reads_per_day", None),
            ),
            "next poll": local_time(health.next_poll_at),
            "last error": health.last_error or "",
            "purpose": source.purpose or "",
        }
    )
failing = [r for r in rows if r["status"] not in ("ok", "never", "disabled")]
st.metric("Sources failing", len(failing), help="Enabled sources whose last run failed.")
st.dataframe(rows, hide_index=True, key="sources_table")
