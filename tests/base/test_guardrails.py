"""Searches name places, events and topics, never people or accounts."""

from __future__ import annotations

import pytest

from rumordesk.base.config import parse_settings
from rumordesk.base.errors import ConfigError
from rumordesk.base.guardrails import user_targeting_operators


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("from:scpd shooting", ["from:"]),
        ("shooting to:SantaClaraPD", ["to:"]),
        ("@johndoe shooting", ["@johndoe"]),
        ("(@john_doe OR gunman) Santa Clara", ["@john_doe"]),
        ("url:example.org/someone", ["url:"]),
        ("list:1234567 threat", ["list:"]),
        ("shooting -from:newsbot", ["-from:"]),
        ("FROM : someone", ["FROM :"]),
        ('"from:someone" lockdown', ["from:"]),
        ("author:throwaway123 shooting", ["author:"]),
        ("retweets_of:someone", ["retweets_of:"]),
        ("mentions:someone", ["mentions:"]),
        ("user:someone", ["user:"]),
        ("in_reply_to_tweet_id:1 conversation_id:2", ["in_reply_to_tweet_id:", "conversation_id:"]),
        ("@someone@mastodon.social threat", ["@someone"]),
        ("from:a @b", ["from:", "@b"]),
    ],
)
def test_person_targeting_operators_are_found(query, found):
    assert user_targeting_operators(query) == found


@pytest.mark.parametrize(
    "query",
    [
        '"Levi\'s Stadium" threat',
        '"Santa Clara" (shooting OR gunman OR "active shooter") when:2d',
        "site:nbcbayarea.com Santa Clara shooting",
        "#SantaClara lockdown",
        "tips@santaclaraca.gov shooting",  # an e-mail address is not a handle
        "lockdown at 10:30 near Valley Fair",  # times are not operators
        "evacuated 3:15pm Great America",
        "subreddit:SantaClara shooting",  # a community, not a person
        "price $5 @ 10pm",  # a bare @ names nobody
        "https://www.santaclaraca.gov/news",
        "Mission College lockdown",
    ],
)
def test_places_and_topics_are_accepted(query):
    assert user_targeting_operators(query) == []


def test_the_departments_own_handles_may_be_named():
    allowed = frozenset({"@SantaClaraPD"})
    assert user_targeting_operators("@santaclarapd update", allowed_handles=allowed) == []
    assert user_targeting_operators("@SantaClaraPD @someone", allowed_handles=allowed) == [
        "@someone"
    ]
    # an allowed handle does not make an operator acceptable
    assert user_targeting_operators("from:SantaClaraPD", allowed_handles=allowed) == ["from:"]


def _search(*queries: str) -> dict:
    return {
        "sources": [
            {
                "name": "local-search",
                "kind": "feed_search",
                "channel": "reddit",
                "purpose": "Find claims of violence in Santa Clara for the PIO.",
                "url_template": "https://example.org/search.rss?q={query}",
                "queries": list(queries),
            }
        ]
    }


@pytest.mark.parametrize(
    ("query", "operator"),
    [
        ("shooting from:someone", "from:"),
        ("@someone lockdown", "@someone"),
        ("url:example.org threat", "url:"),
        ("list:99 threat", "list:"),
        ("to:someone", "to:"),
    ],
)
def test_config_refuses_a_search_that_targets_people(query, operator):
    with pytest.raises(ConfigError) as caught:
        parse_settings(_search('"Valley Fair" lockdown', query))
    message = str(caught.value)
    assert "sources[0] (local-search).queries" in message
    assert f"({operator})" in message and repr(query) in message
    assert "never people or accounts" in message


def test_refused_even_when_the_source_is_disabled():
    raw = _search("from:someone")
    raw["sources"][0]["enabled"] = False
    with pytest.raises(ConfigError, match="targets individuals"):
        parse_settings(raw)


def test_config_accepts_place_and_topic_searches():
    settings = parse_settings(
        _search('"Levi\'s Stadium" threat', "shooting 10:30pm", "tips@santaclaraca.gov")
    )
    assert len(settings.sources[0].queries) == 3
