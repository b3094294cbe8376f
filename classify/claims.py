"""The parts of a claim, read once per text: what harm, where, how many, the suspect's
status, an order given or lifted, and how the post stands toward it.

The official-relation step (:mod:`rumordesk.classify.relation`) compares a public post's
parts with a Department post's: "says the suspect is at large; the Department said
arrested at 01:10" is a difference of ``at_large`` against ``in_custody``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rumordesk.classify.scanner import Lexicon, lowered, one_pass, scripts_in
from rumordesk.classify.signals import Gazetteer, Locality, Severity, Voice, fold, severity, voice
from rumordesk.classify.words import counts, orders, stance, suspect
from rumordesk.classify.words.topics import TOPICS

#: The claim's word lists, one name each; where two match at one place the first wins.
_PARTS: dict[str, tuple[Lexicon, ...]] = {
    "wrong_person": (
        suspect.WRONG_PERSON,
        suspect.WRONG_PERSON_ZH,
        suspect.WRONG_PERSON_KO,
        suspect.WRONG_PERSON_HI,
    ),
    "at_large": (suspect.AT_LARGE, suspect.AT_LARGE_ZH, suspect.AT_LARGE_KO, suspect.AT_LARGE_HI),
    "in_custody": (
        suspect.IN_CUSTODY,
        suspect.IN_CUSTODY_ZH,
        suspect.IN_CUSTODY_KO,
        suspect.IN_CUSTODY_HI,
    ),
    "lifted": (orders.LIFTED, orders.LIFTED_ZH, orders.LIFTED_KO, orders.LIFTED_HI),
    "order": (orders.ORDER, orders.ORDER_ZH, orders.ORDER_KO, orders.ORDER_HI),
    "still": (orders.STILL, orders.STILL_ZH, orders.STILL_KO, orders.STILL_HI),
    "wide": (orders.WIDE, orders.WIDE_ZH, orders.WIDE_KO, orders.WIDE_HI),
    "cover_up": (stance.COVER_UP, stance.COVER_UP_ZH, stance.COVER_UP_KO, stance.COVER_UP_HI),
    "debunk": (stance.DEBUNK, stance.DEBUNK_ZH, stance.DEBUNK_KO, stance.DEBUNK_HI),
    "firsthand": (
        stance.FIRSTHAND,
        stance.FIRSTHAND_ZH,
        stance.FIRSTHAND_KO,
        stance.FIRSTHAND_HI,
    ),
    "count": (
        counts.PEOPLE_COUNT,
        counts.PEOPLE_COUNT_ZH,
        counts.PEOPLE_COUNT_KO,
        counts.PEOPLE_COUNT_HI,
    ),
}
_TOPIC_PREFIX = "topic_"
#: Every Latin-script list of the claim in one pass (named groups), topics last.
_SCAN = one_pass(
    {name: lists[0] for name, lists in _PARTS.items()}
    | {_TOPIC_PREFIX + name: lists[0] for name, lists in TOPICS.items()}
)
#: The phrase lists, searched where their script occurs.
_PHRASES = tuple(
    [(name, lexicon) for name, lists in _PARTS.items() for lexicon in lists[1:]]
    + [(_TOPIC_PREFIX + name, lexicon) for name, lists in TOPICS.items() for lexicon in lists[1:]]
)
_FLAGS = tuple(name for name in _PARTS if name != "count")

_NUMBER = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")
_CJK_NUMBER = re.compile(r"好几|好幾|[一两兩二三四五六七八九十几幾]")
_CLOCK = re.compile(r"\d{1,2}(?:[:.h][0-5]\d(?!\d)| ?[ap]\.?m(?!\w))")
#: Quoted words ("one", 'no shooting', «…», 「…」): the post quotes someone, often to twist it.
_QUOTED = re.compile(r"[\"“”「『«]([^\"“”「」『』«»]{1,60})[\"“”」』»]|(?<!\w)'([^']{1,40})'(?!\w)")


@dataclass(frozen=True, slots=True)
class Claim:
    """What one text says, in parts (see the module's docstring)."""

    harm: Severity
    where: Locality
    voice: Voice
    #: The largest count of people, victims or attackers it names (0: none).
    count: int = 0
    at_large: bool = False
    in_custody: bool = False
    wrong_person: bool = False
    order: bool = False
    lifted: bool = False
    still: bool = False
    wide: bool = False
    debunk: bool = False
    cover_up: bool = False
    firsthand: bool = False
    #: It quotes someone's words ("SCPD says 'one' stabbed").
    quotes: bool = False
    #: It gives a clock time ("lifted at 9:15", "from 7:40").
    clock: bool = False
    #: What the incident is about beyond the harm (outage, fire, crash, fight …).
    topics: frozenset[str] = frozenset()
    #: The phrase that found each part, for reasons ("still loose").
    phrases: tuple[tuple[str, str], ...] = ()

    def said(self, part: str) -> str | None:
        for name, phrase in self.phrases:
            if name == part:
                return phrase
        return None


def read_parts(text: str) -> dict[str, object]:
    """The claim's parts beyond severity, place and voice (flags, count, phrases)."""
    low = lowered(text)
    found: dict[str, str] = {}
    topics: set[str] = set()
    count = 0
    for match in _SCAN.finditer(low):
        name = match.lastgroup or ""
        if name.startswith(_TOPIC_PREFIX):
            topics.add(name[len(_TOPIC_PREFIX) :])
        elif name == "count":
            if (value := _value(match.group(0))) > count:
                count, found["count"] = value, match.group(0)
        else:
            found.setdefault(name, match.group(0))
    scripts = scripts_in(low)
    if scripts:
        for name, lexicon in _PHRASES:
            if lexicon.script not in scripts:
                continue
            if name.startswith(_TOPIC_PREFIX):
                if name[len(_TOPIC_PREFIX) :] not in topics and lexicon.regex.search(low):
                    topics.add(name[len(_TOPIC_PREFIX) :])
            elif name == "count":
                for match in lexicon.regex.finditer(low):
                    if (value := _value(match.group(0))) > count:
                        count, found["count"] = value, match.group(0)
            elif name not in found and (said := lexicon.regex.search(low)):
                found[name] = said.group(0)
    parts: dict[str, object] = {name: name in found for name in _FLAGS}
    # (the count is a number, below; its phrase stays in ``phrases`` for the reason)
    parts["count"] = count
    parts["topics"] = frozenset(topics)
    parts["quotes"] = _has_quote(text) and _QUOTED.search(text) is not None
    parts["clock"] = _DIGIT.search(low) is not None and _has_clock(low)
    parts["phrases"] = tuple(found.items())
    return parts


def read_claim(text: str, gazetteer: Gazetteer, folded: str | None = None) -> Claim:
    """Every part of what ``text`` says."""
    folded = fold(text) if folded is None else folded
    return Claim(severity(text), gazetteer.locate(text, folded), voice(text), **read_parts(text))


_QUOTE_MARKS = frozenset("\"“”「『«'")


def _has_clock(low: str) -> bool:
    """A clock time ("9:15", "7.40", "11 pm") that is not the end of a longer number."""
    return any(
        found.start() == 0
        or not (low[found.start() - 1].isdigit() or low[found.start() - 1] == ":")
        for found in _CLOCK.finditer(low)
    )


def _has_quote(text: str) -> bool:
    return not _QUOTE_MARKS.isdisjoint(text)


def _value(said: str) -> int:
    """The number at the start of a count ("3 dead" → 3, "tres muertos" → 3, "두 명" → 2)."""
    if digits := _NUMBER.search(said):
        return min(int(digits.group(0)), 999)
    first = said.split()[0] if " " in said else said
    if first in counts.NUMBER_WORDS:
        return counts.NUMBER_WORDS[first]
    for word, value in counts.NUMBER_WORDS.items():
        if said.startswith(word):
            return value
    if cjk := _CJK_NUMBER.match(said):
        return counts.NUMBER_WORDS.get(cjk.group(0), 3)
    return 0
