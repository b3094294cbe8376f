"""Guardrails shared by every collector: searches name places and topics, never people.

The Department's policy allows monitoring public claims about public safety; it does not
allow tracking individuals, protesters or groups. A search query that uses an operator
which selects posts by who wrote them, who they mention or where they link is refused.
"""

from __future__ import annotations

import re

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
