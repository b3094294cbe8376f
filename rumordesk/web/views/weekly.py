"""Weekly report: how the Department's own posts did, for the Office of the Chief's briefing.

A thin view over reports/weekly.py. Post text is untrusted: it is shown only inside tables
(data), never as markdown; links are http(s) only (the report drops anything else).

With the demo loaded, the page offers a *demo view* (on by default until real Department
posts exist), so a newcomer sees the report with figures and charts: it is labelled as
invented on the page, and its downloads are switched off. Real reports (the downloads,
``rumordesk export``, the weekly e-mail) never contain demo data.
"""

from datetime import date, datetime

import altair as alt
import pandas as pd
import streamlit as st

from rumordesk.reports.audit_export import audit_tables
from rumordesk.reports.export import audit_export, render
from rumordesk.reports.schedule import weekly_files
from rumordesk.reports.weekly import build_report, trend
from rumordesk.reports.weekly_layout import report_tables
from rumordesk.reports.weeks import Week
from rumordesk.triage.roles import Permission
from rumordesk.web import context, demo_panel, session
from rumordesk.web.plain import plain

actor = session.require_page(Permission.EXPORT)
db = context.database()
settings = context.settings()
tz = settings.department.tz
now = context.now()

current = Week.containing(now, tz)
weeks = [current]
while len(weeks) < 53:
    weeks.append(weeks[-1].previous())
labels = [w.label for w in weeks]


def _describe(label: str) -> str:
    week = weeks[labels.index(label)]
    sunday = week.days[-1]
    text = f"{label}  ({week.monday:%b %d} – {sunday:%b %d, %Y})"
    return text + ("  · in progress" if week == current else "")


st.title("Weekly report")
choice = st.selectbox(
    "Week (Monday to Sunday, local time)",
    labels,
    index=1,  # the last complete week
    format_func=_describe,
    key="weekly_week",
)
week = weeks[labels.index(choice)]


def _has_demo() -> bool:
    from rumordesk.demo import has_demo

    return has_demo(db)


demo_view = False
if _has_demo():
    demo_view = st.toggle(
        "Demo view: include the invented demo posts",
        value=True,
        key="weekly_demo_view",
        help="Shows what the report looks like with figures. Real reports never include "
        "demo data; downloads are off in this view.",
    )
    if demo_view:
        demo_panel.demo_label(
            "these figures include invented posts. Switch the demo view off for the real report."
        )
report = build_report(
    db,
    week,
    sources=settings.sources,
    department=settings.department.name,
    now=now,
    include_demo=demo_view,
)
tables = {t.name: t for t in report_tables(report)}

st.caption(
    f"{plain(settings.department.name)} · {tz.key} · from {week.monday:%a %b %d} 00:00 to "
    f"{week.days[-1]:%a %b %d} 24:00 ({week.hours:g} hours)"
)
for note in report.notes:
    if not note.startswith("DEMO view"):  # the demo label above says it already
        st.info(note, icon=":material/info:")


def _shown(value: float | None, digits: int = 0) -> str:
    return "unavailable" if value is None else f"{value:,.{digits}f}"


figures = st.columns(4)
figures[0].metric("Posts published", len(report.posts))
change = (
    report.engagement - report.previous_engagement
    if report.engagement is not None and report.previous_engagement is not None
    else None
)
figures[1].metric(
    "Engagement",
    _shown(report.engagement),
    delta=None if change is None else f"{change:+,} vs previous week",
    help="Likes, shares, replies and quotes earned this week, by new and earlier posts.",
)
figures[2].metric("Rumours first seen", report.rumours.total)
median = report.rumours.median_hours_to_first_action
figures[3].metric(
    "Median time to first action",
    context.EMPTY if median is None else f"{round(median * 60):,} min",
    help="From a rumour's first post to the first thing anyone did about it.",
)

files = [] if demo_view else weekly_files(report, ("xlsx", "csv"))
downloads = st.columns([1, 1, 4])[:2]
if demo_view:
    st.caption("Downloads are off in the demo view: they would contain invented figures.")
for column, file, label in zip(downloads, files, ("Download XLSX", "Download CSV"), strict=False):
    column.download_button(
        label,
        file.content,
        file_name=file.filename,
        mime=file.media_type,
        key=f"weekly_download_{file.filename.rsplit('.', 1)[1]}",
        icon=":material/download:",
        on_click=audit_export,
        args=(db, actor, file),
        kwargs={"kind": "weekly_report", "detail": {"week": week.label, "via": "dashboard"}},
    )


def _cell(column: str, value: object) -> object:
    """A value as a person reads it: "—" for unavailable, separators, percentages, local
    dates; links stay links (the column shows them as "open")."""
    if value is None:
        return None if column in LINKS else context.EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%a %b %d, %H:%M}"
    if isinstance(value, date):
        return f"{value:%a %b %d}"
    if isinstance(value, float):
        if column.endswith("rate"):
            return f"{value:.2%}"
        if column.endswith("pct"):
            return f"{value:+.1f}%"
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def _frame(name: str) -> pd.DataFrame:
    """A table of the report with its headings in words (the files use the same ones)."""
    table = tables[name]
    rows = [{c: _cell(c, row.get(c)) for c in table.columns} for row in table.rows]
    return pd.DataFrame(rows, columns=list(table.columns)).rename(
        columns=dict(zip(table.columns, table.headings, strict=True))
    )


LINKS = ("link", "correction")
TEXT = {
    "Text": st.column_config.TextColumn(width="large"),
    "Claim": st.column_config.TextColumn(width="large"),
    "Link": st.column_config.LinkColumn(display_text="open ↗"),
    "Correction": st.column_config.LinkColumn(display_text="open ↗"),
}

st.subheader("Engagement")
# Below the chart, in two columns, labels never cut (they read "nextdoo").
LEGEND = alt.Legend(orient="bottom", columns=2, labelLimit=0, title=None)
charts = [c for c in report.channels if c.engagement is not None]
if not charts and not any(c.previous_engagement for c in report.channels):
    st.caption("No engagement to chart for this week.")
else:
    left, middle, right = st.columns(3)
    by_channel = pd.DataFrame(
        [
            {"channel": c.channel, "from": part, "engagement": value or 0}
            for c in charts
            for part, value in (
                ("new posts", c.engagement_new),
                ("earlier posts", c.gained_by_earlier),
            )
        ]
    )
    if not by_channel.empty:
        left.altair_chart(
            alt.Chart(by_channel, title="Engagement by channel")
            .mark_bar()
            .encode(
                x=alt.X("channel:N", sort="-y"),
                y=alt.Y("sum(engagement):Q", title="engagement"),
                color=alt.Color("from:N", legend=LEGEND),
                tooltip=["channel", "from", "engagement"],
            ),
            key="weekly_chart_channel",
        )
    by_day = pd.DataFrame(
        [
            {
                "day": d.day.strftime("%a %m/%d"),
                "order": i,
                "channel": d.channel,
                "engagement": d.engagement,
            }
            for i, d in enumerate(report.days)
            if d.engagement is not None
        ]
    )
    if not by_day.empty:
        middle.altair_chart(
            alt.Chart(by_day, title="Engagement by day")
            .mark_bar()
            .encode(
                x=alt.X("day:N", sort=alt.SortField("order")),
                y=alt.Y("sum(engagement):Q", title="engagement"),
                color=alt.Color("channel:N", legend=LEGEND),
                tooltip=["day", "channel", "engagement"],
            ),
            key="weekly_chart_day",
        )
    over_weeks = pd.DataFrame(
        [
            {"week": p.week, "channel": p.channel, "engagement": p.engagement}
            for p in trend(db, week, weeks=8, sources=settings.sources, include_demo=demo_view)
            if p.engagement is not None
        ]
    )
    if not over_weeks.empty:
        right.altair_chart(
            alt.Chart(over_weeks, title="Week over week (8 weeks)")
            .mark_line(point=True)
            .encode(
                x=alt.X("week:O", title=None),
                y=alt.Y("engagement:Q"),
                color=alt.Color("channel:N", legend=LEGEND),
                tooltip=["week", "channel", "engagement"],
            ),
            key="weekly_chart_weeks",
        )

st.subheader("By channel")
st.dataframe(_frame("channels"), hide_index=True, column_config=TEXT, key="weekly_channels")


st.subheader("Top posts")
st.dataframe(_frame("top_posts"), hide_index=True, column_config=TEXT, key="weekly_top")
st.subheader("Posts published this week")
st.dataframe(_frame("posts"), hide_index=True, column_config=TEXT, key="weekly_posts")
st.subheader("Engagement gained by earlier posts")
st.dataframe(_frame("earlier_posts"), hide_index=True, column_config=TEXT, key="weekly_earlier")

st.subheader("Rumours this week")
outcomes = st.columns([1, 2])
outcomes[0].dataframe(_frame("rumour_outcomes"), hide_index=True, key="weekly_outcomes")
outcomes[1].dataframe(_frame("rumours"), hide_index=True, column_config=TEXT, key="weekly_rumours")

st.subheader("Channels without data")
if tables["gaps"].rows:
    st.dataframe(_frame("gaps"), hide_index=True, key="weekly_gaps")
else:
    st.caption("Every channel gave data this week.")

if actor.can(Permission.VIEW_AUDIT):
    with st.expander("Public-records request: the triage and audit log for a date range"):
        today = now.astimezone(tz).date()
        picked = st.date_input(
            "From – to (local dates, inclusive)",
            (week.monday, week.days[-1]),
            max_value=max(today, week.days[-1]),
            key=f"weekly_audit_dates_{week.label}",  # follows the week picked above
        )
        if not (isinstance(picked, tuple) and len(picked) == 2):
            st.caption("Pick the first and the last day.")
        elif st.button("Prepare the export", key="weekly_audit_prepare"):
            first, last = picked
            # Built on request only: it re-checks the whole hash chain.
            st.session_state["weekly_audit"] = (
                picked,
                audit_tables(db, first, last, tz, now=now),
            )
        prepared = st.session_state.get("weekly_audit")
        if prepared and prepared[0] == picked:
            (first, last), audit_log = prepared
            count = len(audit_log[1].rows)
            st.caption(f"{count:,} audit entr{'y' if count == 1 else 'ies'} in the range.")
            stem = f"audit-log-{first.isoformat()}-to-{last.isoformat()}"
            columns = st.columns([1, 1, 4])[:2]
            for column, fmt in zip(columns, ("xlsx", "csv"), strict=True):
                file = render(audit_log, stem=stem, fmt=fmt, title=f"Audit log {first} to {last}")
                column.download_button(
                    f"Audit log ({fmt.upper()})",
                    file.content,
                    file_name=file.filename,
                    mime=file.media_type,
                    key=f"weekly_audit_{fmt}",
                    icon=":material/download:",
                    on_click=audit_export,
                    args=(db, actor, file),
                    kwargs={
                        "kind": "audit_log",
                        "detail": {
                            "since": first.isoformat(),
                            "until": last.isoformat(),
                            "entries": count,
                            "via": "dashboard",
                        },
                    },
                )
