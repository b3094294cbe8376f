"""Purpose-bound collection for EVERY kind of source, found by walking the settings union.

A new kind of collector added to ``rumordesk.base.source_settings.SourceSettings`` fails here
until it has an example below and each of its text fields is either checked by the
guardrails (base/guardrails.py: queries, handles, account ids, addresses) or listed as inert
with the reason it cannot select people.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import BaseModel

from rumordesk.base import guardrails
from rumordesk.base.config import parse_settings
from rumordesk.base.errors import ConfigError
from rumordesk.base.source_settings import SourceSettings

KINDS: dict[str, type[BaseModel]] = {
    typing.get_args(cls.model_fields["kind"].annotation)[0]: cls
    for cls in typing.get_args(typing.get_args(SourceSettings)[0])
}

#: A minimal valid source of each kind (names the Department's own accounts only).
EXAMPLES: dict[str, dict[str, Any]] = {
    "feed": {"kind": "feed", "channel": "website", "url": "https://www.santaclaraca.gov/rss"},
    "feed_search": {
        "kind": "feed_search",
        "channel": "reddit",
        "purpose": "Claims of violence in Santa Clara, for the PIO",
        "url_template": "https://www.reddit.com/r/SantaClara/search.rss?q={query}",
        "queries": ["shooting"],
    },
    "youtube": {"kind": "youtube", "official": True, "channel_id": "UC" + "a" * 22},
    "x_timeline": {"kind": "x_timeline", "accounts": ["@SantaClaraPD"]},
    "x_search": {
        "kind": "x_search",
        "purpose": "Claims of violence in Santa Clara, for the PIO",
        "terms": ["shooting"],
        "places": ["Valley Fair"],
    },
    "facebook_page": {"kind": "facebook_page", "page_id": "123456789"},
    "instagram": {"kind": "instagram", "ig_user_id": "17841400000000000"},
    "bluesky_search": {
        "kind": "bluesky_search",
        "purpose": "Claims of violence in Santa Clara, for the PIO",
        "login": "scpd.bsky.social",
        "queries": ['"Santa Clara" shooting'],
    },
    "bluesky_author": {
        "kind": "bluesky_author",
        "login": "scpd.bsky.social",
        "actor": "scpd.bsky.social",
    },
    "imap": {"kind": "imap", "host": "imap.santaclaraca.gov", "username": "pio-alerts"},
    "csv_import": {"kind": "csv_import", "channel": "nextdoor", "format": "nextdoor"},
    "facebook_comments": {"kind": "facebook_comments", "department_page_id": "123456789"},
    "instagram_comments": {
        "kind": "instagram_comments",
        "department_ig_user_id": "17841400000000000",
    },
    "x_replies": {"kind": "x_replies", "department_accounts": ["@SantaClaraPD"]},
    "youtube_comments": {"kind": "youtube_comments", "department_channel_id": "UC" + "a" * 22},
    "bluesky_replies": {
        "kind": "bluesky_replies",
        "login": "scpd.bsky.social",
        "department_actor": "scpd.bsky.social",
    },
}
#: The official source that makes each reply kind's account the Department's own.
OWNERS: dict[str, dict[str, Any]] = {
    "facebook_comments": EXAMPLES["facebook_page"],
    "instagram_comments": EXAMPLES["instagram"],
    "x_replies": EXAMPLES["x_timeline"],
    "youtube_comments": EXAMPLES["youtube"],
    "bluesky_replies": EXAMPLES["bluesky_author"],
}

#: Text fields that cannot select posts by person, and why.
INERT = {
    "name": "the source's own label",
    "channel": "where the public sees the posts (x, reddit…), not whose they are",
    "purpose": "why the source is collected (required of every search)",
    "langs": "language filters",
    "lang": "a language filter",
    "api_version": "the Graph API version",
    "graph_url": "the Graph API host",
    "views_metric": "which engagement figure to read",
    "insights": "which engagement figures to read",
    "login": "the Department's own account that signs in; it reads nothing by itself",
    "service_url": "the Bluesky server",
    "redirect_hosts": "hosts a source's own redirects may lead to; it reads nothing by itself",
    "host": "the Department's mail server",
    "ca_file": "a certificate file",
    "username": "the Department's mailbox login",
    "mailbox": "the folder of the Department's own mailbox",
    "senders": "alert services mailing the Department's own mailbox (eNotify, Nixle)",
    "processed_flag": "an IMAP keyword",
    "inbox": "a local folder of CSV exports",
    "timezone": "how to read the times in a CSV export",
    "format": "which CSV column layout",
    "channel_id": (
        "a YouTube channel id: the Department's, or a news station's; refusing every other "
        "channel is not possible by id, so it is logged like every source (USE_POLICY.md)"
    ),
    "api_url": "the YouTube Data API host",
}
CHECKED = (
    guardrails.QUERY_FIELDS
    | guardrails.HANDLE_FIELDS
    | guardrails.ACCOUNT_ID_FIELDS
    | guardrails.URL_FIELDS
    | guardrails.THREAD_FIELDS
)
TARGETING_QUERIES = [
    "from:someone shooting",
    "@someone lockdown",
    "list:12345 threat",
    "url:example.org/someone",
    "to:activist_group evacuation",
]


def settings_with(kind: str, **changes: Any):  # type: ignore[no-untyped-def]
    source = {"name": f"test-{kind.replace('_', '-')}", **EXAMPLES[kind], **changes}
    owner = [{"name": "owner", **OWNERS[kind]}] if kind in OWNERS else []
    return parse_settings({"sources": [*owner, source]}, origin="test.toml")


def refused(kind: str, **changes: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_with(kind, **changes)
    return str(caught.value)


def _text_fields(model: type[BaseModel]) -> set[str]:
    return {
        name
        for name, info in model.model_fields.items()
        if name != "kind" and "str" in repr(info.annotation)
    }


def _fields_of(kinds: set[str]) -> list[tuple[str, str]]:
    return sorted((kind, field) for kind in kinds for field in _text_fields(KINDS[kind]))


def test_every_kind_has_a_valid_example():
    assert len(KINDS) >= 11 and set(EXAMPLES) == set(KINDS), "add an example for each new kind"
    for kind in KINDS:
        assert settings_with(kind).sources[-1].kind == kind


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_text_field_is_checked_or_known_to_be_inert(kind):
    unclassified = _text_fields(KINDS[kind]) - CHECKED - set(INERT)
    assert not unclassified, (
        f"{kind}: {sorted(unclassified)} may hold a person or account; check it in "
        "rumordesk/guardrails.py or list it in INERT with the reason it cannot"
    )


QUERY_CASES = [
    (kind, field, query)
    for kind, field in _fields_of(set(KINDS))
    if field in guardrails.QUERY_FIELDS
    for query in TARGETING_QUERIES
]


def test_the_kinds_that_take_queries_are_all_walked():
    walked = {kind for kind, _, _ in QUERY_CASES}
    assert {"feed_search", "x_search", "bluesky_search"} <= walked


@pytest.mark.parametrize(("kind", "field", "query"), QUERY_CASES)
def test_a_user_targeting_query_is_refused_for_every_kind(kind, field, query):
    for enabled in (True, False):
        message = refused(kind, enabled=enabled, **{field: ["Valley Fair", query]})
        assert "targets individuals" in message, message
        assert repr(query) in message


ACCOUNT_CASES = [
    (kind, field)
    for kind, field in _fields_of(set(KINDS))
    if field in guardrails.HANDLE_FIELDS | guardrails.ACCOUNT_ID_FIELDS
]


def test_the_kinds_that_read_accounts_are_all_walked():
    assert {kind for kind, _ in ACCOUNT_CASES} >= {
        "x_timeline",
        "bluesky_author",
        "facebook_page",
        "instagram",
    }


@pytest.mark.parametrize(("kind", "field"), ACCOUNT_CASES)
def test_reading_an_account_that_is_not_the_departments_is_refused(kind, field):
    message = refused(kind, official=False)
    assert f"{field} reads one account's posts" in message
    assert "never anyone else's" in message


@pytest.mark.parametrize(("kind", "field"), ACCOUNT_CASES)
def test_once_listed_only_the_departments_accounts_may_be_read(kind, field):
    value = EXAMPLES[kind][field]
    other = {"accounts": ["@someone_else"], "actor": "someone.bsky.social"}.get(field, "99999999")
    own = ["@SantaClaraPD", "scpd.bsky.social", "123456789", "17841400000000000"]
    raw = {
        "guardrails": {"department_accounts": own},
        "sources": [{"name": "own", **EXAMPLES[kind], field: other}],
    }
    with pytest.raises(ConfigError, match="is not one of the Department's accounts"):
        parse_settings(raw)
    raw["sources"][0][field] = value
    assert parse_settings(raw).sources[0].official


def test_once_listed_an_official_feed_may_read_only_a_listed_account():
    raw = {
        "guardrails": {"department_accounts": ["@SantaClaraPD"]},
        "sources": [
            {**EXAMPLES["feed"], "name": "m", "official": True,
             "url": "https://mastodon.social/@someone.rss"}
        ],
    }  # fmt: skip
    with pytest.raises(ConfigError, match="'/@someone.rss' is not one of the Department's"):
        parse_settings(raw)
    raw["sources"][0]["url"] = "https://mastodon.social/@SantaClaraPD.rss"
    assert parse_settings(raw).sources[0].official


@pytest.mark.parametrize(
    "url",
    [
        "https://mastodon.social/@someone.rss",
        "https://mastodon.social/users/someone.rss",
        "https://www.reddit.com/user/someone/.rss",
        "https://www.reddit.com/u/someone/submitted.rss",
        "https://bsky.app/profile/someone.bsky.social/rss",
        "https://www.pinterest.com/someone/feed.rss",
        "https://nitter.net/someone/rss",
        "https://medium.com/feed/@someone",
        "https://example.org/author/jane-doe/feed/",
        "https://rsshub.app/feed?username=someone",
    ],
)
def test_a_third_party_feed_of_one_account_is_refused(url):
    message = refused("feed", url=url)
    assert "reads one account's feed" in message
    # The same address as a search template is refused too.
    template = url + ("&" if "?" in url else "?") + "q={query}"
    assert "reads one account's feed" in refused("feed_search", url_template=template)


@pytest.mark.parametrize(
    "url",
    [
        "https://mastodon.social/tags/SantaClara.rss",
        "https://www.reddit.com/r/SantaClara/.rss",
        "https://news.google.com/rss/search?q=Santa+Clara",
        "https://www.santaclaraca.gov/Home/Components/RssFeeds/RssFeed/View?ctID=5",
        "https://rss.nixle.com/pubs/feeds/latest/1234/",
    ],
)
def test_topic_place_and_site_feeds_are_accepted(url):
    assert settings_with("feed", url=url).sources[0].url == url


def test_the_departments_own_account_feed_is_accepted_when_official():
    url = "https://mastodon.social/@SantaClaraPD.rss"
    assert "reads one account's feed" in refused("feed", url=url)
    assert settings_with("feed", url=url, official=True).sources[0].official


def test_an_x_search_may_name_the_departments_listed_accounts_and_no_one_else():
    raw = {
        "guardrails": {"department_accounts": ["@SCPD_Traffic"]},
        "sources": [{"name": "x", **EXAMPLES["x_search"], "queries": ["to:SCPD_Traffic shooting"]}],
    }
    assert parse_settings(raw).sources[0].queries == ("to:SCPD_Traffic shooting",)
    raw["sources"][0]["queries"] = ["to:SCPD_Traffic from:someone"]
    with pytest.raises(ConfigError, match="targets individuals"):
        parse_settings(raw)


def test_the_shipped_configuration_passes_its_own_guardrails():
    from rumordesk.base.config import load_settings
    from tests.helpers.paths import PROJECT_ROOT

    settings = load_settings(PROJECT_ROOT / "config.toml")
    assert guardrails.collection_problems(settings) == []
    assert all(s.purpose for s in settings.sources if s.is_search)


THREAD_CASES = [
    (kind, field) for kind, field in _fields_of(set(KINDS)) if field in guardrails.THREAD_FIELDS
]


def test_the_kinds_that_read_replies_are_all_walked():
    assert {kind for kind, _ in THREAD_CASES} == set(OWNERS)


@pytest.mark.parametrize(("kind", "field"), THREAD_CASES)
def test_replies_are_read_only_under_the_departments_own_posts(kind, field):
    """No official source reads the account, and none is listed: refused; the same
    account read by an official source, or listed, is accepted; another account is refused
    even beside an official source."""
    alone = {"name": "replies", **EXAMPLES[kind]}
    with pytest.raises(ConfigError, match="replies may be read only under the Department's"):
        parse_settings({"sources": [alone]})
    assert parse_settings({"sources": [{"name": "own", **OWNERS[kind]}, alone]}).sources
    listed = EXAMPLES[kind][field]
    listed = listed if isinstance(listed, str) else listed[0]
    assert parse_settings({"guardrails": {"department_accounts": [listed]}, "sources": [alone]})
    other = {"department_accounts": ["@someone_else"], "department_actor": "someone.bsky.social",
             "department_channel_id": "UC" + "b" * 22}.get(field, "99999999")  # fmt: skip
    with pytest.raises(ConfigError, match=f"{field} .* is not one of the Department's"):
        parse_settings({"sources": [{"name": "own", **OWNERS[kind]}, {**alone, field: other}]})


@pytest.mark.parametrize("kind", sorted(OWNERS))
def test_replies_are_never_the_departments_own_posts(kind):
    assert "official must be false" in refused(kind, official=True)
