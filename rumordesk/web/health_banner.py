"""The collection-health banner: on the PIO's home (with a link to Sources) and, as one
line, on the Chief's. Silent when collection is working."""

from __future__ import annotations

import streamlit as st

from rumordesk.triage.collection_health import CollectionHealth, collection_health
from rumordesk.web import context, navigation
from rumordesk.web.plain import plain


def current_health() -> CollectionHealth:
    config = context.settings()
    return collection_health(
        context.database(),
        config.sources,
        default_interval_seconds=config.collect.interval_seconds,
        now=context.now(),
    )


def describe(health: CollectionHealth) -> list[str]:
    """What is wrong, one sentence each (empty when collection is working)."""
    lines: list[str] = []
    if health.enabled == 0:
        return ["No source is enabled: nothing is being collected. Enable sources in config.toml."]
    if health.never_polled:
        lines.append(
            "Collection has not started: no source has been polled yet. Is the collector "
            "running (`make run` or `rumordesk run`)?"
        )
    elif health.stalled:
        if health.last_success_at is None:
            lines.append("Collection stalled: no source has been polled successfully yet.")
        else:
            last = health.last_success_at
            lines.append(
                f"Collection stalled: last successful poll {context.ago(last)} "
                f"({context.clock_time(last)})."
            )
    if health.failing:
        named = ", ".join(_problem(p) for p in health.failing[:4])
        more = f" and {len(health.failing) - 4} more" if len(health.failing) > 4 else ""
        lines.append(
            f"{len(health.failing)} of {health.enabled} enabled sources failing: {named}{more}."
        )
    return lines


def _problem(problem) -> str:  # type: ignore[no-untyped-def]
    """A source's name, and how it fails when that is more than "failing"."""
    name = plain(problem.name)
    if problem.status == "error":
        return name
    if problem.status == "rate_limited" and problem.next_poll_at is not None:
        return f"{name} ({problem.words} until {context.clock_time(problem.next_poll_at)})"
    return f"{name} ({problem.words})"


def health_banner(*, link: bool = True, one_line: bool = False) -> CollectionHealth:
    """Show what is wrong with collection (nothing when all is well); returns the health."""
    health = current_health()
    lines = describe(health)
    if not lines:
        return health
    stalled = health.stalled or health.never_polled or health.enabled == 0
    if one_line:
        text = lines[0] if len(lines) == 1 else f"{lines[0]} {lines[1]}"
        (st.error if stalled else st.warning)(text, icon=":material/sensors_off:")
        return health
    (st.error if stalled else st.warning)("\n\n".join(lines), icon=":material/sensors_off:")
    if link:
        st.page_link(
            navigation.SOURCES.path,
            label="Open Sources: what each source last did, and when it runs next",
            icon=":material/monitor_heart:",
        )
    return health
