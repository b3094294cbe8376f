"""Guardrails shared by every collector: searches name places and topics, never people.

The Department's policy allows monitoring public claims about public safety; it does not
allow tracking individuals, protesters or groups. A search query that uses an operator
which selects posts by who wrote them, who they mention or where they link is refused.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from rumordesk.base.settings_base import PLACEHOLDER

#: Operators that select posts by person or account on X, Reddit, Bluesky, Mastodon, Google.
_USER_OPERATORS = re.compile(
    r"(?<![\w-])-?(from|to|retweets_of|retweets-of|author|user|mentions|list|url|"
    r"in_reply_to_tweet_id|conversation_id|nick|by)\s*:",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_][A-Za-z0-9_.]{0,30}")


def user_targeting_operators(
    query: str,
    *,
    allowed_handles: frozenset[str] = frozenset(),
    own_account_operators: bool = False,
) -> list[str]:
    """Return the parts of ``query`` that target people or accounts (empty when it is fine).

    ``allowed_handles`` are the Department's own accounts, which may be named. With
    ``own_account_operators`` (X searches), ``from:``/``to:``/``mentions:`` may also take
    one of them as value — ``to:SantaClaraPD`` finds replies to the Department — while
    ``url:``, ``list:`` and any other account stay refused.
    """
    allowed = {handle.lower().lstrip("@") for handle in allowed_handles}
    found = [
        match.group(0).strip()
        for match in _USER_OPERATORS.finditer(query)
        if not (own_account_operators and _names_own_account(query, match, allowed))
    ]
    found += [
        handle for handle in _HANDLE.findall(query) if handle.lower().lstrip("@") not in allowed
    ]
    return found


#: Operators whose value is an account: naming one of the Department's own is allowed
#: (``from:SantaClaraPD`` reads the Department's posts). ``url:``, ``list:`` and the
#: conversation operators select by something else and are refused whatever follows.
_ACCOUNT_OPERATORS = frozenset(
    {"from", "to", "retweets_of", "retweets-of", "author", "user", "mentions", "by"}
)
_OPERATOR_VALUE = re.compile(r"\s*@?([A-Za-z0-9_.]+)")


def _names_own_account(query: str, match: re.Match[str], allowed: set[str]) -> bool:
    if not allowed or match.group(1).lower() not in _ACCOUNT_OPERATORS:
        return False
    if match.group(0).lstrip().startswith("-"):
        return False  # excluding an account is still selecting by account
    value = _OPERATOR_VALUE.match(query, match.end())
    return bool(value) and value.group(1).lower() in allowed


# --- every collector's configuration ---------------------------------------------------
# Checked once for all kinds of source (rumordesk.base.config.AppSettings), so a new kind
# of collector (rumordesk.base.source_settings) is covered by naming its fields here;
# tests/base/test_guardrails_sources.py fails when a kind has a text field that is in none
# of these sets and not known to be inert.

#: Fields holding search text: no operator or handle that targets a person may appear.
QUERY_FIELDS = frozenset({"queries", "terms", "places"})
#: Fields naming the accounts a source reads by handle: only the Department's own.
HANDLE_FIELDS = frozenset({"accounts", "actor"})
#: Fields naming the one account a source reads by id: only the Department's own.
#: (A YouTube ``channel_id`` is not one of them: a channel that is not the Department's may
#: be read — meant for local news stations — and, like every source, is logged.)
ACCOUNT_ID_FIELDS = frozenset({"page_id", "ig_user_id"})
#: Fields naming the Department account whose posts' replies a source reads (the reply
#: kinds): each must be one of the Department's own accounts — read by one of its official
#: sources, or listed in ``department_accounts`` — so only threads under the Department's
#: own posts are read, never anyone else's.
THREAD_FIELDS = frozenset(
    {
        "department_page_id",
        "department_ig_user_id",
        "department_accounts",
        "department_channel_id",
        "department_actor",
    }
)
#: Fields of an official source naming the account it reads (for THREAD_FIELDS).
_OWN_ACCOUNT_FIELDS = HANDLE_FIELDS | ACCOUNT_ID_FIELDS | {"channel_id"}
#: Fields holding the address a source reads: a third-party source may not read one
#: account's feed (a Mastodon @user feed, a Reddit /user/ feed, a YouTube channel).
URL_FIELDS = frozenset({"url", "url_template", "feed_url_template"})

_ACCOUNT_PATH = re.compile(
    r"/(@[^/?#]+|(u|user|users|profile|channel|author)/[^/?#]+)", re.IGNORECASE
)
_ACCOUNT_PARAM = re.compile(
    r"[?&](user|user_id|username|screen_name|author|actor)=[^&#]*", re.IGNORECASE
)
#: Platforms where the first part of a feed's path is an account (pinterest.com/<user>/…).
_PROFILE_HOSTS = re.compile(
    r"(^|\.)(twitter\.com|x\.com|instagram\.com|facebook\.com|tiktok\.com|threads\.net|"
    r"pinterest\.com|medium\.com|tumblr\.com|bsky\.app|nitter\.[a-z.]+)$",
    re.IGNORECASE,
)
_NOT_ACCOUNTS = frozenset({"", "search", "tags", "tag", "hashtag", "explore", "topics", "topic"})


def account_in_url(url: str) -> str | None:
    """The part of ``url`` that selects one account's posts (None for tags, searches, sites)."""
    if PLACEHOLDER.search(url):
        return None
    parts = urlsplit(url.replace("{query}", "q"))
    found = _ACCOUNT_PATH.search(parts.path) or _ACCOUNT_PARAM.search("?" + parts.query)
    if found:
        return found.group(0).lstrip("?&")
    host = (parts.hostname or "").lower()
    segment = parts.path.strip("/").split("/")[0]
    if _PROFILE_HOSTS.search(host) and segment.lower() not in _NOT_ACCOUNTS:
        return f"{host}/{segment}"
    return None


def account_name(part: str) -> str:
    """The account an :func:`account_in_url` part names: ``/@SCPD.rss`` → ``scpd``."""
    name = re.split(r"[/=]", part.strip("/"))[-1]
    return _normal(re.sub(r"\.(rss|atom|xml|json)$", "", name, flags=re.IGNORECASE))


def _normal(handle: str) -> str:
    return handle.strip().lower().lstrip("@")


def _values(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def department_accounts(settings: Any) -> frozenset[str]:
    """The Department's own accounts: those listed in ``[guardrails]`` and ``[classify]``,
    and those its official sources read (marking a source official declares them so, and
    that declaration is itself logged by triage/config_log.py)."""
    own = {*settings.guardrails.department_accounts, *settings.classify.department_accounts}
    for source in settings.sources:
        if source.official:
            for name in HANDLE_FIELDS & set(type(source).model_fields):
                own.update(_values(getattr(source, name)))
    return frozenset(_normal(handle) for handle in own if not PLACEHOLDER.search(handle))


def _official_account_ids(settings: Any) -> frozenset[str]:
    """Every account an official source reads, by handle or id (a Page id, an Instagram
    account id, a YouTube channel id)."""
    found: set[str] = set()
    for source in settings.sources:
        if source.official:
            for name in _OWN_ACCOUNT_FIELDS & set(type(source).model_fields):
                found.update(_values(getattr(source, name)))
    return frozenset(_normal(v) for v in found if v and not PLACEHOLDER.search(v))


def collection_problems(settings: Any) -> list[str]:
    """Every way the configured sources would collect by person instead of by topic.

    For each source of every kind: a search must state its purpose; its queries may name
    no person or account other than the Department's; a source that reads an account's
    posts (by handle, id or feed address) must be one of the Department's own; a source
    that reads replies reads them only under an account of the Department's; and once
    ``[guardrails].department_accounts`` lists them, only those may be read.
    """
    own = department_accounts(settings)
    threads_own = own | _official_account_ids(settings)
    listed: frozenset[str] = frozenset()
    if settings.guardrails.department_accounts:
        named = (*settings.guardrails.department_accounts, *settings.classify.department_accounts)
        listed = frozenset(_normal(handle) for handle in named)
    problems: list[str] = []
    for source in settings.sources:
        label = f"source {source.name!r} ({source.kind})"
        fields = set(type(source).model_fields)
        if source.is_search and not (source.purpose or "").strip():
            problems.append(f"{label}: every search must state its purpose")
        for name in sorted(QUERY_FIELDS & fields):
            for query in _values(getattr(source, name)):
                found = user_targeting_operators(
                    query,
                    allowed_handles=own,
                    own_account_operators=source.kind.startswith("x_"),
                )
                if found:
                    problems.append(
                        f"{label}: {name} {query!r} targets individuals ({', '.join(found)}); "
                        "searches may name places, events and topics, never people or "
                        "accounts other than the Department's"
                    )
        if getattr(source, "reads_threads", False):
            problems += [
                f"{label}: {name} {value!r} is not one of the Department's accounts; replies "
                "may be read only under the Department's own posts (an official source must "
                "read that account, or it must be listed in [guardrails] department_accounts)"
                for name in sorted(THREAD_FIELDS & fields)
                for value in _values(getattr(source, name))
                if value and not PLACEHOLDER.search(value) and _normal(value) not in threads_own
            ]
        if source.official and listed:
            named = [
                (name, handle)
                for name in sorted((HANDLE_FIELDS | ACCOUNT_ID_FIELDS) & fields)
                for handle in _values(getattr(source, name))
                if handle and not PLACEHOLDER.search(handle) and _normal(handle) not in listed
            ]
            named += [
                (name, part)
                for name in sorted(URL_FIELDS & fields)
                for url in _values(getattr(source, name))
                if (part := account_in_url(url)) and account_name(part) not in listed
            ]
            problems += [
                f"{label}: {name} {value!r} is not one of the Department's accounts listed "
                "in [guardrails].department_accounts"
                for name, value in named
            ]
        if not source.official:
            for name in sorted((HANDLE_FIELDS | ACCOUNT_ID_FIELDS) & fields):
                if any(v and not PLACEHOLDER.search(v) for v in _values(getattr(source, name))):
                    problems.append(
                        f"{label}: {name} reads one account's posts; only the Department's "
                        "own accounts may be read (official = true), never anyone else's"
                    )
            for name in sorted(URL_FIELDS & fields):
                for url in _values(getattr(source, name)):
                    if part := account_in_url(url):
                        problems.append(
                            f"{label}: {name} reads one account's feed ({part}); only the "
                            "Department's own accounts may be read (official = true)"
                        )
    return problems
