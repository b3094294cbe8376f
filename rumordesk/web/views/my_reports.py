"""My reports: what became of each report this staff member sent."""

import streamlit as st

from rumordesk.triage.intake import my_reports
from rumordesk.triage.roles import Permission
from rumordesk.web import context, session

actor = session.require_page(Permission.VIEW_OWN_REPORTS)
st.title("My reports")
reports = my_reports(context.database(), actor)
if not reports:
    st.info("You have not reported anything yet. Use “Report a rumour” when you see something.")
else:
    st.dataframe(
        [
            {
                "sent": context.local_time(r.reported_at),
                "where": r.channel or context.EMPTY,
                "what it says": r.text or context.EMPTY,
                "status": r.status,
            }
            for r in reports
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "sent": st.column_config.TextColumn("Sent", width="small"),
            "where": st.column_config.TextColumn("Where you saw it", width="small"),
            "what it says": st.column_config.TextColumn("What it says", width="large"),
            "status": st.column_config.TextColumn("What became of it", width="medium"),
        },
        key="my_reports_table",
    )
