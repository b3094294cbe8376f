"""Doubling backoff: how long to wait after a failure, for every part that retries.

A failing source, an account locked by failed sign-ins and an alert that could not be
delivered all wait ``base``, then twice as long each time, never longer than ``cap``.
"""

from __future__ import annotations

from datetime import timedelta

#: 2**1100 is larger than any float, so more doublings than this cannot change the answer;
#: stopping here keeps a very long run of failures from building a huge integer.
_ENOUGH_DOUBLINGS = 1100


def doubling(base_seconds: float, doublings: int, cap_seconds: float) -> timedelta:
    """``base_seconds`` × 2**``doublings`` (none when negative), at most ``cap_seconds``."""
    steps = min(max(doublings, 0), _ENOUGH_DOUBLINGS)
    try:
        seconds = base_seconds * 2**steps
    except OverflowError:  # a float base times an int beyond float range: past any cap
        return timedelta(seconds=cap_seconds)
    return timedelta(seconds=min(seconds, cap_seconds))
