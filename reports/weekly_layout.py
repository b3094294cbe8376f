"""The weekly report as tables: the one layout every output uses (the XLSX workbook, the
zip of CSVs and the dashboard page), so they never disagree on a column.

Dates are naive local times (as spreadsheets want them); post text and claims are folded
to one-line excerpts; ``None`` stays ``None`` (an unavailable figure, shown empty).
People read these files: columns carry headings in words (:data:`HEADERS`), statuses and
decisions their names ("Not relevant", not ``not_relevant``), durations are whole minutes.
"""

from __future__ import annotations

from rumordesk.reports.tables import Table
from rumordesk.reports.weekly_model import METRICS, PostFigures, WeeklyReport, change_pct
from rumordesk.triage.workflow import DECISION_LABELS, STATUS_LABELS

EXCERPT = 160


def excerpt(text: str, limit: int = EXCERPT) -> str:
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


POST_COLUMNS = (
    "published",
    "channel",
    "source",
    "text",
    "link",
    "likes",
    "shares",
    "replies",
    "quotes",
    "views",
    "engagement",
    "engagement_rate",
    "figures_as_of",
)
EARLIER_COLUMNS = (
    "published",
    "channel",
    "source",
    "text",
    "link",
    "likes_gained",
    "shares_gained",
    "replies_gained",
    "quotes_gained",
    "views_gained",
    "engagement_gained",
)
CHANNEL_COLUMNS = (
    "channel",
    "sources",
    "posts",
    "likes",
    "shares",
    "replies",
    "quotes",
    "views",
    "engagement_new_posts",
    "median_per_post",
    "gained_by_earlier_posts",
    "engagement",
    "engagement_rate",
    "previous_posts",
    "previous_engagement",
    "change_engagement",
    "change_pct",
)


_TOP_COLUMNS = (
    "rank",
    "published",
    "channel",
    "text",
    "link",
    "published_this_week",
    "engagement_this_week",
)
_RUMOUR_COLUMNS = (
    "id",
    "first_seen",
    "claim",
    "status",
    "decision",
    "severity",
    "first_action",
    "minutes_to_first_action",
    "correction",
)
#: Each column's heading in the files and on the page (a column not listed reads as its
#: key with the first letter capitalised and spaces for underscores).
HEADERS = {
    "engagement_rate": "Engagement rate",
    "figures_as_of": "Figures as of",
    "engagement_new_posts": "Engagement, new posts",
    "median_per_post": "Median per post",
    "gained_by_earlier_posts": "Gained by earlier posts",
    "previous_posts": "Posts, previous week",
    "previous_engagement": "Engagement, previous week",
    "change_engagement": "Change in engagement",
    "change_pct": "Change (%)",
    "published_this_week": "Published this week",
    "engagement_this_week": "Engagement this week",
    "id": "Rumour #",
    "minutes_to_first_action": "Minutes to first action",
    "rumours": "Rumours",
}
_UNDECIDED = "Not decided"


def _headers(columns: tuple[str, ...]) -> dict[str, str]:
    return {c: HEADERS.get(c) or c.replace("_", " ").capitalize() for c in columns}


def _minutes(hours: float | None) -> int | None:
    return None if hours is None else round(hours * 60)


def _severity(value: float | None) -> str | None:
    if value is None:
        return None
    if value >= 0.8:
        return "High"
    if value >= 0.5:
        return "Medium"
    return "Low" if value > 0 else None


def report_tables(report: WeeklyReport) -> list[Table]:
    """Every table of the report, in the order the exports and the page show them."""
    local = report.local
    week = report.week
    summary = [
        {"item": "report", "value": f"Weekly engagement report, {report.department}".strip(", ")},
        {"item": "week", "value": week.label},
        {"item": "from", "value": local(week.start)},
        {"item": "until (exclusive)", "value": local(week.end)},
        {"item": "timezone", "value": week.tz.key},
        {"item": "generated", "value": local(report.generated_at)},
        {"item": "posts published", "value": len(report.posts)},
        {"item": "earlier posts still gaining", "value": len(report.earlier)},
        {"item": "engagement", "value": report.engagement},
        {"item": "engagement, previous week", "value": report.previous_engagement},
        {
            "item": "change against previous week (%)",
            "value": change_pct(report.engagement, report.previous_engagement),
        },
        {"item": "rumours first seen", "value": report.rumours.total},
        {"item": "rumours acted on", "value": report.rumours.acted_on},
        {
            "item": "median minutes to first action",
            "value": _minutes(report.rumours.median_hours_to_first_action),
        },
        *({"item": "note", "value": note} for note in report.notes),
        *(
            {"item": f"no data: {gap.channel} ({gap.source})", "value": gap.reason}
            for gap in report.gaps
        ),
    ]
    channels = [
        {
            "channel": c.channel,
            "sources": ", ".join(c.sources),
            "posts": c.posts,
            "likes": c.likes,
            "shares": c.shares,
            "replies": c.replies,
            "quotes": c.quotes,
            "views": c.views,
            "engagement_new_posts": c.engagement_new,
            "median_per_post": c.median_per_post,
            "gained_by_earlier_posts": c.gained_by_earlier,
            "engagement": c.engagement,
            "engagement_rate": c.engagement_rate,
            "previous_posts": c.previous_posts,
            "previous_engagement": c.previous_engagement,
            "change_engagement": c.change_engagement,
            "change_pct": c.change_pct,
        }
        for c in report.channels
    ]
    new = [
        {
            "published": local(p.published),
            "channel": p.channel,
            "source": p.source,
            "text": excerpt(p.text),
            "link": p.url,
            **{m: getattr(p.figures, m) for m in METRICS},
            "engagement": p.engagement,
            "engagement_rate": p.figures.rate,
            "figures_as_of": local(p.as_of),
        }
        for p in report.posts
    ]
    earlier = [
        {
            "published": local(p.published),
            "channel": p.channel,
            "source": p.source,
            "text": excerpt(p.text),
            "link": p.url,
            **{f"{m}_gained": getattr(p.gained, m) for m in METRICS},
            "engagement_gained": p.engagement,
        }
        for p in report.earlier
    ]
    top = [
        {
            "rank": rank,
            "published": local(p.published),
            "channel": p.channel,
            "text": excerpt(p.text),
            "link": p.url,
            "published_this_week": isinstance(p, PostFigures),
            "engagement_this_week": p.engagement,
        }
        for rank, p in enumerate(report.top, 1)
    ]
    days = [
        {
            "day": d.day,
            "weekday": d.day.strftime("%A"),
            "channel": d.channel,
            "posts": d.posts,
            "engagement": d.engagement,
        }
        for d in report.days
    ]
    outcomes = [
        {"kind": "Status", "value": STATUS_LABELS.get(k, k), "rumours": n}
        for k, n in report.rumours.by_status.items()
    ] + [
        {"kind": "Decision", "value": DECISION_LABELS.get(k, _UNDECIDED), "rumours": n}
        for k, n in report.rumours.by_decision.items()
    ]
    rumours = [
        {
            "id": r.rumor_id,
            "first_seen": local(r.first_seen),
            "claim": excerpt(r.claim, 240),
            "status": STATUS_LABELS.get(r.status, r.status),
            "decision": DECISION_LABELS.get(r.decision or "", _UNDECIDED),
            "severity": _severity(r.severity),
            "first_action": local(r.first_action),
            "minutes_to_first_action": _minutes(r.hours_to_first_action),
            "correction": r.correction_url,
        }
        for r in report.rumours.rumours
    ]
    gaps = [{"channel": g.channel, "source": g.source, "reason": g.reason} for g in report.gaps]
    tables = [
        ("summary", "Summary", ("item", "value"), summary),
        ("channels", "Channels", CHANNEL_COLUMNS, channels),
        ("top_posts", "Top posts", _TOP_COLUMNS, top),
        ("posts", "Posts", POST_COLUMNS, new),
        ("earlier_posts", "Earlier posts", EARLIER_COLUMNS, earlier),
        ("days", "By day", ("day", "weekday", "channel", "posts", "engagement"), days),
        ("rumour_outcomes", "Rumour outcomes", ("kind", "value", "rumours"), outcomes),
        ("rumours", "Rumours", _RUMOUR_COLUMNS, rumours),
        ("gaps", "No data", ("channel", "source", "reason"), gaps),
    ]
    return [
        Table(name, title, columns, rows, _headers(columns))
        for name, title, columns, rows in tables
    ]
