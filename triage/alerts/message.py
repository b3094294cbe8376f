"""What an alert says, and its four shapes: e-mail, generic JSON, Teams and Slack.

Everything quoted from a rumour (the claim, places, reasons) is untrusted post text. It
reaches an e-mail header only through :func:`rumordesk.mail.one_line`; JSON bodies are
built as dicts and serialised with :func:`json.dumps`; and in chat messages, where text is
formatted, :func:`neutralise` takes away what could add a link or a mention: URLs and
domain names are defanged (``evil[.]example``), ``@here``/``@channel`` and ``<!channel>``
are broken, and Slack's control characters ``& < >`` are escaped. Only our own link to the
dashboard is ever clickable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rumordesk.base.mail import one_line

#: A URL, or a bare domain name a chat client would turn into a link (TLD of 2+ letters).
_LINKISH = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://)?(?:[a-z0-9-]+\.)+[a-z]{2,63}\b(?:[/?#][^\s]*)?"
    r"|\b[a-z][a-z0-9+.-]*://[^\s]*"
)
#: What starts a mention: @here, @channel, @everyone, @someone (and Slack's <!…>, <@…>).
_MENTION = re.compile(r"[@＠﹫]")
_WORD_JOINER = "\u2060"
_CLAIM_LIMIT = 500


@dataclass(frozen=True, slots=True)
class AlertContent:
    """One alert about one rumour, as the rumour stood when the alert was queued."""

    rumor_id: int
    kind: str  # first | growth | test
    claim: str
    harm: str | None
    places: tuple[str, ...]
    channels: tuple[str, ...]
    score: float
    severity: float
    post_count: int
    reach: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    reasons: tuple[str, ...]
    link: str
    #: For a growth alert: the reach at the first alert.
    previous_reach: int | None = None
    alert_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        what = (self.harm or "harm").replace("_", " ")
        where = self.places[0] if self.places else "unknown place"
        prefix = "TEST ALERT" if self.kind == "test" else "ALERT"
        if self.kind == "growth":
            prefix = "SPREADING FAST"
        return f"{prefix}: {what} claimed at {where}"

    @property
    def spread(self) -> str:
        """How fast it is spreading, in words."""
        minutes = None
        if self.first_seen_at and self.last_seen_at:
            minutes = max(0.0, (self.last_seen_at - self.first_seen_at).total_seconds() / 60)
        posts = f"{self.post_count} post{'s' if self.post_count != 1 else ''}"
        span = f" in {_duration(minutes)}" if minutes is not None and self.post_count > 1 else ""
        on = f" on {', '.join(self.channels)}" if self.channels else ""
        text = f"{posts}{on}{span}; reach {self.reach:,} interactions"
        if self.previous_reach is not None:
            factor = self.reach / max(self.previous_reach, 1)
            text += f" (×{factor:.0f} since the first alert, which saw {self.previous_reach:,})"
        return text


def _duration(minutes: float) -> str:
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def neutralise(text: str, *, slack: bool = False) -> str:
    """Untrusted text made inert for a chat message: no links, no mentions."""
    text = " ".join(text.split())  # one line: no forged headings, quotes or lists
    text = _LINKISH.sub(lambda m: m.group(0).replace("://", "[:]//").replace(".", "[.]"), text)
    text = _MENTION.sub(lambda m: m.group(0) + _WORD_JOINER, text)
    if slack:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _claim(content: AlertContent) -> str:
    claim = " ".join(content.claim.split())
    return claim if len(claim) <= _CLAIM_LIMIT else claim[: _CLAIM_LIMIT - 1] + "…"


def _facts(content: AlertContent) -> list[tuple[str, str]]:
    """Label → untrusted value, in the order every shape shows them."""
    return [
        ("Claim", _claim(content)),
        ("Where", ", ".join(content.places) or "not stated"),
        ("Spread", content.spread),
        ("Score", f"{content.score:.2f} (severity {content.severity:.2f})"),
        *[(f"Reason {i}", reason) for i, reason in enumerate(content.reasons, 1)],
    ]


# --- e-mail ---------------------------------------------------------------------------


def email_subject(content: AlertContent) -> str:
    """One line: the SMTP policy would refuse a header with a line break anyway."""
    claim = one_line(content.claim, 90)
    return one_line(f"[Rumor Desk] {content.headline} — {claim}", 200)


def email_body(content: AlertContent) -> str:
    lines = [content.headline, ""]
    lines += [f"{label}: {value}" for label, value in _facts(content)]
    lines += [
        "",
        f"Open the rumour: {content.link}",
        "",
        "The claim is quoted from public posts and has not been verified.",
        f"Rumor Desk alert {content.alert_id or '(test)'} ({content.kind}).",
    ]
    return "\n".join(lines) + "\n"


# --- webhooks -------------------------------------------------------------------------


def generic_payload(content: AlertContent) -> dict[str, Any]:
    """Our own JSON: every fact as a field, for automation to read."""
    return {
        "type": "rumordesk.alert",
        "alert_id": content.alert_id,
        "kind": content.kind,
        "headline": content.headline,
        "rumour": {
            "id": content.rumor_id,
            "claim": content.claim,
            "harm": content.harm,
            "places": list(content.places),
            "channels": list(content.channels),
            "score": round(content.score, 4),
            "severity": round(content.severity, 4),
            "post_count": content.post_count,
            "reach": content.reach,
            "previous_reach": content.previous_reach,
            "first_seen_at": _iso(content.first_seen_at),
            "last_seen_at": _iso(content.last_seen_at),
            "reasons": list(content.reasons),
            "url": content.link,
        },
        "spread": content.spread,
    }


def teams_payload(content: AlertContent) -> dict[str, Any]:
    """An Adaptive Card message, as Teams incoming webhooks and Workflows accept it.

    Untrusted values go in ``TextRun``s (which Teams never reads as Markdown) and are
    neutralised too; the only link is the card's own "Open in Rumor Desk" action.
    """
    facts = [
        {
            "type": "RichTextBlock",
            "inlines": [
                {"type": "TextRun", "text": f"{label}: ", "weight": "Bolder"},
                {"type": "TextRun", "text": neutralise(value)},
            ],
            "spacing": "Small",
        }
        for label, value in _facts(content)
    ]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": [
            {
                "type": "RichTextBlock",
                "inlines": [
                    {
                        "type": "TextRun",
                        "text": neutralise(content.headline),
                        "size": "Large",
                        "weight": "Bolder",
                        "color": "Attention",
                    }
                ],
            },
            *facts,
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "Open in Rumor Desk", "url": content.link}],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def slack_payload(content: AlertContent) -> dict[str, Any]:
    """Text (the notification) and Block Kit blocks, as Slack incoming webhooks accept.

    Untrusted values are escaped and neutralised and sit in ``verbatim`` mrkdwn (Slack
    links nothing itself there); the only link is the button to the dashboard.
    """

    def safe(text: str) -> str:
        return neutralise(text, slack=True)

    fields = "\n".join(f"*{label}:* {safe(value)}" for label, value in _facts(content))
    return {
        "text": safe(f"{content.headline}: {_claim(content)}"),
        "unfurl_links": False,
        "unfurl_media": False,
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": safe(content.headline)[:150]},
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": fields[:3000], "verbatim": True},
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in Rumor Desk"},
                        "url": content.link,
                        "style": "danger",
                    }
                ],
            },
        ],
    }


PAYLOADS = {"generic": generic_payload, "teams": teams_payload, "slack": slack_payload}


def webhook_body(kind: str, content: AlertContent) -> bytes:
    """The request body for a webhook of this kind: always :func:`json.dumps`."""
    return json.dumps(PAYLOADS[kind](content), ensure_ascii=False).encode("utf-8")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
