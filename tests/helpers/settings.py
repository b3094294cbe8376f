"""Settings, configuration files and feeds as small as a test needs."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from rumordesk.base.config import AppSettings, parse_settings

FAST_COLLECT = {"connect_timeout": 2.0, "read_timeout": 2.0, "retries": 1, "backoff_seconds": 0.01}


def make_settings(sources: list[dict[str, Any]], **sections: Any) -> AppSettings:
    """Settings as the loader builds them, from plain dicts (as TOML would give)."""
    raw: dict[str, Any] = {
        "collect": {**FAST_COLLECT, **sections.pop("collect", {})},
        "sources": sources,
        **sections,
    }
    return parse_settings(raw, origin="test config")


def feed_source(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "feed",
        "channel": extra.pop("channel", "website"),
        "url": url,
        **extra,
    }


def write_config(path: Path, text: str) -> Path:
    tomllib.loads(text)  # a typo in a test's TOML should fail here, not look like a config bug
    path.write_text(text, encoding="utf-8")
    return path


def rss(*items: tuple[str, str], title: str = "Test feed", extra_item_xml: str = "") -> str:
    """A small RSS 2.0 document; each item is (guid, title)."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{text}</title>"
        f"<link>https://example.org/{guid}</link>"
        f"<pubDate>Mon, 23 Nov 2026 19:00:00 GMT</pubDate>{extra_item_xml}</item>"
        for guid, text in items
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{title}</title><link>https://example.org/</link>{body}</channel></rss>"
    )
