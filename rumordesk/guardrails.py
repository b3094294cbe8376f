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
    query: str, *, allowed_handles: frozenset[str] = frozenset()
) -> list[str]:
    """Return the parts of ``query`` that target people or accounts (empty when it is fine).

    ``allowed_handles`` are the Department's own accounts, which may be named.
    """
    found = [match.group(0).strip() for match in _USER_OPERATORS.finditer(query)]
    allowed = {handle.lower().lstrip("@") for handle in allowed_handles}
    found += [
        handle for handle in _HANDLE.findall(query) if handle.lower().lstrip("@") not in allowed
    ]
    return found
