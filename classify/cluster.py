"""Group posts that tell the same story, so the PIO triages a story once.

Two posts belong to the same rumour when, within the clustering window, they

* claim the same kind of harm at the same named place ("active shooter" + "Valley Fair"),
  or
* are near-copies of each other (retweets, "forwarded many times" chains, copy-paste
  with a different emoji or link): the same first, or the same last, content words
  (in Chinese, written without blanks, characters).

A post that only *denies* a harm ("no shooting at Valley Fair") makes no claim, so a
debunk is never counted as part of the rumour it debunks.

Keys are plain strings, so the store can match a new post to an open rumour with one
indexed lookup, and a batch of 10,000 posts clusters in one pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rumordesk.classify.signals import Locality, Severity, fold

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
#: Copies whose first (or last) words agree this far are the same text.
_SIGNATURE_WORDS = 10
#: Shorter texts than this are compared whole ("gunman", "shots at Levis??").
_MIN_WORDS = 4


@dataclass(frozen=True, slots=True)
class Keys:
    """The keys one post can share with others of its story."""

    #: The claim key when it claims a harm, else its text key: the rumour's key.
    primary: str
    #: Near-copy key from the first words.
    text: str
    #: Near-copy key from the last words (catches "Forwarded: …" prefixes).
    tail: str | None = None

    def all(self) -> tuple[str, ...]:
        keys = dict.fromkeys(k for k in (self.primary, self.text, self.tail) if k)
        return tuple(keys)


class _Blanks(dict[int, str]):
    """A ``str.translate`` table, filled as characters are met: what ``_NOISE`` blanks out
    one character at a time (digits; anything neither a word character nor a space)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = kept = " " if _BLANKED.match(char) else char
        return kept


_BLANKED = re.compile(r"\d|[^\w\s]")
_BLANKS = _Blanks()
_RT = re.compile(r"\brt\b")


def content_words(text: str, folded: str | None = None) -> list[str]:
    folded = fold(text) if folded is None else folded
    if "http" in folded or "www." in folded or "@" in folded:
        plain = _NOISE.sub(" ", folded)
    else:
        # Without links or mentions, _NOISE only blanks "rt" and single characters (a run
        # of digits becomes several spaces instead of one: the same words).
        plain = (_RT.sub(" ", folded) if "rt" in folded else folded).translate(_BLANKS)
    return [w for w in _words(plain) if w not in _STOP]


#: A Chinese character, or a run of anything else but blanks.
_HAN_OR_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _words(plain: str) -> list[str]:
    """Words between blanks; Chinese, written without them, one character at a time, so
    that a lost character or "！" changes one word of the key, not a whole clause."""
    if plain.isascii() or _HAN.search(plain) is None:
        return plain.split()
    return _HAN_OR_RUN.findall(plain)


def _content_words_reference(folded: str) -> list[str]:
    """What :func:`content_words` must return (for tests)."""
    return [w for w in _HAN_OR_RUN.findall(_NOISE.sub(" ", folded)) if w not in _STOP]


def text_signature(text: str) -> str:
    """A key equal for near-copies: no links, mentions, punctuation, numbers or filler."""
    return " ".join(content_words(text)[:_SIGNATURE_WORDS])


def _hash(kind: str, words: Sequence[str] | str) -> str:
    joined = words if isinstance(words, str) else " ".join(words)
    return f"{kind}:" + hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()[:16]


def claim_key(harm: Severity, where: Locality) -> str | None:
    """``claim:active_shooter@Westfield Valley Fair`` — the story, whoever tells it."""
    if not harm.claims_harm:
        return None
    specific = [p for p in where.places if p != "Santa Clara"]
    if not specific or where.level not in ("local", "mixed"):
        # "a shooter in Santa Clara" or in another city is too broad to be one story:
        # such posts are grouped only with their near-copies.
        return None
    return f"claim:{harm.kind}@{specific[0]}"


def cluster_keys(text: str, harm: Severity, where: Locality, folded: str | None = None) -> Keys:
    folded = fold(text) if folded is None else folded
    words = content_words(text, folded)
    head = _hash("text", words[:_SIGNATURE_WORDS] if words else folded.strip()[:80])
    tail = None
    if len(words) >= 2 * _MIN_WORDS:
        tail = _hash("tail", words[-_SIGNATURE_WORDS:])
    return Keys(claim_key(harm, where) or head, head, tail)


def cluster_key(text: str, harm: Severity, where: Locality) -> str:
    return cluster_keys(text, harm, where).primary


def assign_clusters(
    keys: Sequence[Keys], times: Sequence[datetime | None], window: timedelta
) -> list[int]:
    """Cluster numbers (1, 2, …) in order of first appearance.

    Posts sharing any key are one story (union-find), but a key links two posts only
    when they are no more than ``window`` apart in time (posts without a time link).
    """
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: dict[str, list[int]] = {}
    for index, post_keys in enumerate(keys):
        for key in post_keys.all():
            by_key.setdefault(key, []).append(index)
    order = [(t is None, t or datetime.min) for t in times]
    for members in by_key.values():
        if len(members) < 2:
            continue
        members.sort(key=order.__getitem__)
        previous = members[0]
        for index in members[1:]:
            a, b = times[previous], times[index]
            if a is None or b is None or b - a <= window:
                parent[find(index)] = find(previous)
            previous = index
    numbers: dict[int, int] = {}
    return [numbers.setdefault(find(i), len(numbers) + 1) for i in range(len(keys))]
