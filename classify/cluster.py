"""Group posts that tell the same story, so the PIO triages a story once.

Two posts belong to the same rumour when, within the clustering window, they

* claim the same kind of harm at the same place ("active shooter" + "Valley Fair"), or
* are near-copies of each other (retweets, "forwarded many times" chains, copy-paste
  with a different emoji or link).

Keys are plain strings, so the store can match a new post to an open rumour with one
indexed lookup, and a batch of 10,000 posts clusters in one pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from classify.signals import Locality, Severity, fold

_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+|\brt\b|#|[^\w\s]|\d+", re.UNICODE)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "by",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "this",
        "that",
        "there",
        "here",
        "i",
        "im",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "its",
        "just",
        "so",
        "very",
        "really",
        "please",
        "all",
        "everyone",
        "now",
        "rn",
        "omg",
        "lol",
        "pls",
        "plz",
        "guys",
    ]
)
#: Copies whose first words agree this far are the same text.
_SIGNATURE_WORDS = 12


def text_signature(text: str) -> str:
    """A key equal for near-copies: no links, mentions, punctuation, numbers or filler."""
    words = [w for w in _NOISE.sub(" ", fold(text)).split() if w not in _STOP]
    return " ".join(words[:_SIGNATURE_WORDS])


def claim_key(harm: Severity, where: Locality) -> str | None:
    """``active_shooter@Westfield Valley Fair`` — the story, whoever tells it."""
    if not harm.claims_harm:
        return None
    place = (
        where.places[0]
        if where.places
        else ("elsewhere" if where.level == "elsewhere" else "unspecified")
    )
    return f"{harm.kind}@{place}"


def cluster_key(text: str, harm: Severity, where: Locality) -> str:
    key = claim_key(harm, where)
    if key is not None:
        return "claim:" + key
    signature = text_signature(text) or fold(text)[:80]
    return "text:" + hashlib.sha1(signature.encode(), usedforsecurity=False).hexdigest()[:16]


def assign_clusters(
    keys: Sequence[str], times: Sequence[datetime | None], window: timedelta
) -> list[int]:
    """Cluster numbers (1, 2, …) in order of first appearance; one key splits into several
    clusters when its posts are more than ``window`` apart."""
    order = sorted(range(len(keys)), key=lambda i: (keys[i], times[i] is None, times[i] or 0))
    cluster_of = [0] * len(keys)
    last_key, last_time, current = None, None, 0
    provisional: dict[int, int] = {}
    for index in order:
        key, moment = keys[index], times[index]
        new_run = key != last_key or (
            moment is not None and last_time is not None and moment - last_time > window
        )
        if new_run:
            current += 1
        provisional[index] = current
        last_key = key
        last_time = moment if moment is not None else last_time
    # Renumber in input order so cluster 1 is the first story seen.
    renumber: dict[int, int] = {}
    for index in range(len(keys)):
        cluster_of[index] = renumber.setdefault(provisional[index], len(renumber) + 1)
    return cluster_of
