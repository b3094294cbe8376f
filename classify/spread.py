"""How far a story has spread: one reach formula, its weight in the score, its reason.

*Reach* is the ranker's proxy for how many people a post has carried a claim to: likes,
replies and quotes, with shares counted double (they put the post in front of new
people). It is not the weekly report's *engagement* (a plain sum of interactions, read
against views): the two answer different questions and carry different names. The
formula exists once, in Python (:func:`reach`) and in SQL (:func:`reach_sql`), so a
rumour's reach in the store and a post's spread in the ranker always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, func

#: Reach per hour is measured over at least this long, so a post seen a minute after it
#: was made does not look like it is spreading at thousands an hour.
MIN_GROWTH_HOURS = 0.25


def reach(
    likes: float | None, shares: float | None, replies: float | None, quotes: float | None = None
) -> float:
    """Likes + replies + quotes + 2 × shares; an unknown figure counts as nothing."""
    return sum(v or 0 for v in (likes, replies, quotes)) + 2 * (shares or 0)


def reach_sql(posts: Table) -> ColumnElement[float]:
    """:func:`reach` of one row of ``posts``, as an SQL expression."""
    return (
        func.coalesce(posts.c.likes, 0)
        + func.coalesce(posts.c.replies, 0)
        + func.coalesce(posts.c.quotes, 0)
        + 2 * func.coalesce(posts.c.shares, 0)
    )


def spread_weight(
    total_reach: float, posts_in_cluster: int = 1, age_hours: float | None = None
) -> float:
    """0–1: ~0.25 at 30 interactions, ~0.5 at 1,000, 1 at 100,000; more posts in the story
    and fast growth (interactions per hour while young) add to it."""
    base = math.log10(1 + max(total_reach, 0)) / 5
    size = math.log10(max(posts_in_cluster, 1)) / 2
    growth = 0.0
    if age_hours is not None and total_reach > 0:
        per_hour = total_reach / max(age_hours, MIN_GROWTH_HOURS)
        growth = max(0.0, math.log10(1 + per_hour) / 5 - base) / 2
    return min(1.0, base + size + growth)


@dataclass(frozen=True, slots=True)
class Spread:
    """A story's reach, for the spread signal and its reason."""

    reach: float
    shares: float
    posts: int
    age_hours: float | None

    @property
    def weight(self) -> float:
        return spread_weight(self.reach, self.posts, self.age_hours)

    def describe(self) -> str | None:
        """ "5,400 shares in 20 min across 3 posts" — or None when nothing is known."""
        if self.shares >= 1:
            amount = f"{self.shares:,.0f} share{'s' if self.shares != 1 else ''}"
        elif self.reach >= 1:
            amount = f"{self.reach:,.0f} interactions"
        elif self.posts > 1:
            return f"{self.posts} posts tell this story"
        else:
            return None
        if self.age_hours is not None and 1 / 60 <= self.age_hours <= 72:
            amount += " in " + _duration(self.age_hours)
        if self.posts > 1:
            amount += f" across {self.posts} posts"
        return amount


def _duration(hours: float) -> str:
    minutes = round(hours * 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"{minutes} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"
