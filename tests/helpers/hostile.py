"""Hostile strings in every stored field a page can show, and how to tell if one rendered.

Each field gets its own tag (``HX01`` …) inside a string that would, rendered as markdown,
load a remote image, add a link, colour text, draw an icon, run maths or insert HTML. The
dashboard tests walk every page with these in the store: each tag must be seen somewhere
(so the walk reaches the field) and nowhere as anything but text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from markdown_it import MarkdownIt
from sqlalchemy import insert, update

from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import alerts, evidence, rumors, users
from rumordesk.store.sources import record_failure, sync_sources
from rumordesk.triage import audit
from rumordesk.triage.roles import Actor, Role

TRACKER = "tracker.invalid"
TAG = re.compile(r"HX\d\d")


def hostile(tag: str) -> str:
    return (
        f"{tag} ![{tag}](http://{TRACKER}/{tag}.png) [{tag}](http://{TRACKER}/{tag}) "
        f":red[{tag}] :material/warning: <img src='http://{TRACKER}/{tag}.gif'> "
        f"$x^{{{tag}}}$ **{tag}** http://{TRACKER}/{tag}/auto www.{TRACKER} "
        f"{tag.lower()}@{TRACKER}"
    )


#: Each stored field and its tag.
FIELDS = {
    "HX01": "rumour claim",
    "HX02": "rumour top reason",
    "HX03": "rumour assignee",
    "HX04": "PIO's recommendation",
    "HX05": "reason for the Chief's decision",
    "HX06": "escalated by",
    "HX07": "decided by",
    "HX08": "rumour places",
    "HX09": "evidence note",
    "HX10": "evidence captured by",
    "HX11": "audit subject",
    "HX12": "audit detail (a note)",
    "HX13": "post text",
    "HX14": "post author",
    "HX15": "staff reporter's name",
    "HX16": "staff report's note",
    "HX17": "source's last error",
    "HX18": "alert's last error",
    "HX19": "account's display name",
    "HX20": "account's e-mail",
    "HX21": "holding statement's title",
    "HX22": "holding statement's text",
    "HX23": "the Department's name",
}


def edit_config(text: str) -> str:
    """The Department's name and a holding statement, as an administrator might type them."""
    text = text.replace(
        'name = "Santa Clara Police Department"', f"name = {json.dumps(hostile('HX23'))}", 1
    )
    return text.replace(
        "[templates]\n",
        f"[templates]\n{json.dumps(hostile('HX21'))} = {json.dumps(hostile('HX22'))}\n",
        1,
    )


@dataclass(frozen=True)
class Seeded:
    pending: int  # escalated, awaiting the Chief
    decided: int  # decided and closed


def seed(db: Any, settings: Any) -> Seeded:
    """Write every hostile field into the store (Core writes: the API would refuse some)."""
    now = datetime.now(UTC)
    base = {
        "score": 0.95,
        "severity": 1.0,
        "first_seen_at": now - timedelta(hours=1),
        "last_seen_at": now,
        "updated_at": now,
        "post_count": 1,
        "reach": 10,
    }
    with db.write() as connection:
        pending = connection.execute(
            insert(rumors).values(
                cluster_key="hostile:pending",
                claim=hostile("HX01"),
                top_reason=hostile("HX02"),
                assignee=hostile("HX03"),
                recommendation=hostile("HX04"),
                escalated_at=now - timedelta(minutes=5),
                escalated_by=hostile("HX06"),
                places=json.dumps([hostile("HX08")]),
                channels=json.dumps(["x"]),
                **base,
            )
        ).inserted_primary_key[0]
        decided = connection.execute(
            insert(rumors).values(
                cluster_key="hostile:decided",
                claim="Decided rumour HX01b",
                escalated_at=now - timedelta(minutes=30),
                escalated_by="pat",
                decision="monitor",
                decision_reason=hostile("HX05"),
                decided_by=hostile("HX07"),
                decided_at=now - timedelta(minutes=20),
                closed_at=now - timedelta(minutes=10),
                closed_by="pat",
                **base,
            )
        ).inserted_primary_key[0]
        connection.execute(
            insert(evidence).values(
                rumor_id=pending,
                kind="snapshot",
                captured_at=now,
                captured_by=hostile("HX10"),
                sha256="0" * 64,
                content="{}",
                media_type="application/json",
                size=2,
                note=hostile("HX09"),
            )
        )
        connection.execute(
            insert(users).values(
                username="hx",
                display_name=hostile("HX19"),
                role=Role.STAFF.value,
                email=hostile("HX20"),
                active=True,
                created_at=now,
                failed_attempts=0,
            )
        )
        audit.record(
            connection,
            Actor("pat", Role.PIO),
            "note",
            rumor_id=pending,
            subject=hostile("HX11"),
            detail={"note": hostile("HX12")},
        )
    post = Post(
        source="hostile-feed",
        source_id="hx-post",
        channel="x",
        text=hostile("HX13"),
        provenance=Provenance(now, "https://example.org/feed", "test"),
        url="https://example.org/post/1",
        author=hostile("HX14"),
        created_at=now - timedelta(minutes=50),
        metrics=Metrics(likes=3),
        raw={"id": "hx-post"},
    )
    saved = save_batch(db, "hostile-feed", Batch((post,), {}))
    from rumordesk.collectors.staff_report import submit
    from rumordesk.store.schema import post_scores

    report = submit(
        db,
        settings,
        url=None,
        text="A staff report about the mall HX30",
        where="Facebook",
        reported_by=hostile("HX15"),
        note=hostile("HX16"),
    )
    with db.write() as connection:
        for post_id in (*saved.changed_ids, report.post_id):
            connection.execute(
                insert(post_scores).values(
                    post_id=post_id,
                    rumor_id=pending,
                    p_misinfo=0.9,
                    score=0.95,
                    severity=1.0,
                    locality="local",
                    cluster_key="hostile:pending",
                    signals="{}",
                    reasons="[]",
                    model_version="test",
                    scored_at=now,
                )
            )
        connection.execute(update(rumors).where(rumors.c.id == pending).values(post_count=2))
        connection.execute(
            insert(alerts).values(
                rumor_id=pending,
                target="webhook:pio-channel",
                kind="first",
                status="failed",
                attempts=1,
                last_error=hostile("HX18"),
                created_at=now,
            )
        )
    sync_sources(db, settings.sources)
    record_failure(
        db,
        settings.sources[0].name,
        status="error",
        error=hostile("HX17"),
        new=0,
        updated=0,
        requests=1,
        next_poll_at=now + timedelta(minutes=5),
    )
    return Seeded(pending, decided)


_MARKDOWN = MarkdownIt("commonmark")
_RENDERED = {"image", "link_open", "html_inline", "html_block"}
#: Streamlit's own markdown: colour and other directives, icons, emoji, maths.
_DIRECTIVE = re.compile(r"(?<!\\):[a-z_-]+\[|(?<!\\):material/|(?<![\\\d]):[a-z0-9_+-]+:|(?<!\\)\$")
#: GitHub's autolinks, which Streamlit finds in the text once escapes are undone.
_AUTOLINK = re.compile(r"(?i)(https?://|www\.)|[A-Za-z0-9._+-]@[A-Za-z0-9-]+\.[A-Za-z]")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _tokens(tokens: list[Any]) -> set[str]:
    found: set[str] = set()
    for token in tokens:
        found.add(token.type)
        found |= _tokens(token.children or [])
    return found


def rendered_markup(body: str) -> list[str]:
    """What a markdown body holding a hostile tag would render other than text."""
    problems = sorted(_tokens(_MARKDOWN.parse(body)) & _RENDERED)
    if _DIRECTIVE.search(body):
        problems.append("streamlit directive, icon, emoji or maths")
    if _AUTOLINK.search(_ESCAPE.sub(r"\1", body)):
        problems.append("autolink")
    return problems
