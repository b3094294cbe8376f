"""Context signals beside the text model, each one explainable in a sentence.

* severity — the kind of harm a post claims (an active shooter outranks a curfew);
* locality — whether it is about our city, from the gazetteer in ``config.toml``
  ("Santa Clarita" and "San Jose" are not Santa Clara);
* official status — whether a recent Department post says otherwise, or the same;
* impersonation — an "official notice" from an account that is not the Department;
* spread — engagement, which the ranker adds to the cluster's size.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from classify.lexicon import DENIAL, HARMS, HEARSAY, INNOCENT_USES, OFFICIAL_NOTICE, RELAY, Harm
from rumordesk.config import ClassifySettings

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def fold(text: str) -> str:
    """Lower case, one kind of apostrophe, no apostrophes inside names (Levi's = Levis)."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).lower()
    return re.sub(r"(?<=\w)'(?=\w)", "", text)


# --- severity -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Severity:
    kind: str | None
    weight: float
    label: str | None
    phrase: str | None = None

    @property
    def claims_harm(self) -> bool:
        return self.weight > 0


NO_HARM = Severity(None, 0.0, None)


def severity(text: str) -> Severity:
    """The most severe harm the text claims, after removing innocent uses of the words."""
    plain = INNOCENT_USES.sub(" ", text)
    best: tuple[Harm, str] | None = None
    for harm in HARMS:
        if best and harm.weight <= best[0].weight:
            continue
        if found := harm.pattern.search(plain):
            best = (harm, found.group(0))
    if best is None:
        return NO_HARM
    harm, phrase = best
    return Severity(harm.kind, harm.weight, harm.label, phrase)


# --- locality -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Locality:
    #: local | regional | mixed | elsewhere | unknown
    level: str
    places: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()

    #: How much the claim concerns the city, 0–1.
    @property
    def weight(self) -> float:
        return {"local": 1.0, "mixed": 0.6, "regional": 0.55, "unknown": 0.45, "elsewhere": 0.1}[
            self.level
        ]


def _alternation(names: Iterable[str]) -> re.Pattern[str] | None:
    folded = sorted({fold(n) for n in names if n.strip()}, key=len, reverse=True)
    if not folded:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in folded) + r")(?!\w)")


@dataclass(frozen=True)
class Gazetteer:
    """Finds places of the jurisdiction and places that only sound like it."""

    canonical: dict[str, str]
    local: re.Pattern[str] | None
    city: re.Pattern[str] | None
    regional: re.Pattern[str] | None
    not_local: re.Pattern[str] | None

    @classmethod
    def from_settings(cls, settings: ClassifySettings) -> Gazetteer:
        canonical: dict[str, str] = {}
        for place in settings.places:
            for name in (place.name, *place.aliases):
                canonical[fold(name)] = place.name
        return cls(
            canonical,
            _alternation(canonical),
            _alternation(settings.city_names),
            _alternation(settings.regional),
            _alternation(settings.not_local),
        )

    def locate(self, text: str) -> Locality:
        folded = fold(text)
        elsewhere = _findall(self.not_local, folded)
        # A city name inside a non-local name ("Santa Clara County") is not the city.
        masked = self.not_local.sub(" ", folded) if self.not_local else folded
        regional = _findall(self.regional, masked)
        if self.regional:
            masked = self.regional.sub(" ", masked)
        places = tuple(dict.fromkeys(self.canonical[m] for m in _findall(self.local, masked)))
        city = bool(_findall(self.city, masked))
        if places or city:
            level = "mixed" if elsewhere else "local"
            return Locality(level, places or ("Santa Clara",), tuple(elsewhere))
        if regional:
            return Locality("mixed" if elsewhere else "regional", tuple(regional), tuple(elsewhere))
        if elsewhere:
            return Locality("elsewhere", (), tuple(dict.fromkeys(elsewhere)))
        return Locality("unknown")


def _findall(pattern: re.Pattern[str] | None, text: str) -> list[str]:
    return pattern.findall(text) if pattern else []


# --- voice: notices, denials, relays, hearsay -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Voice:
    official_notice: bool
    denial: bool
    relay: bool
    hearsay: bool


def voice(text: str) -> Voice:
    return Voice(
        bool(OFFICIAL_NOTICE.search(text)),
        bool(DENIAL.search(text)),
        bool(RELAY.search(text)),
        bool(HEARSAY.search(text)),
    )


def is_department(author: str | None, accounts: Iterable[str]) -> bool:
    if not author:
        return False
    handle = fold(author).lstrip("@").strip()
    return any(handle == fold(a).lstrip("@").strip() for a in accounts)


# --- official status ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfficialPost:
    """A Department post, pre-read once so that every post can be compared with it fast."""

    id: str
    text: str
    created_at: datetime | None
    places: frozenset[str]
    harm: str | None
    denial: bool

    @property
    def excerpt(self) -> str:
        return self.text if len(self.text) <= 90 else self.text[:87].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class OfficialStatus:
    #: contradicts | agrees | none
    relation: str
    post: OfficialPost | None = None


@dataclass
class OfficialContext:
    """Recent Department posts, indexed by place and by kind of harm."""

    gazetteer: Gazetteer
    window: timedelta
    posts: list[OfficialPost] = field(default_factory=list)

    def add(self, post_id: str, text: str, created_at: datetime | None) -> None:
        located = self.gazetteer.locate(text)
        self.posts.append(
            OfficialPost(
                str(post_id),
                text,
                created_at,
                frozenset(located.places) - {"Santa Clara"},
                severity(text).kind,
                bool(DENIAL.search(text)),
            )
        )

    def status(
        self, claim: Severity, locality: Locality, created_at: datetime | None, own: Voice
    ) -> OfficialStatus:
        """Does a Department post near in time say otherwise about the same thing?"""
        if not self.posts:
            return OfficialStatus("none")
        places = set(locality.places) - {"Santa Clara"}
        best: tuple[int, OfficialPost] | None = None
        for official in self._near(created_at):
            same_place = bool(places & official.places)
            same_harm = claim.kind is not None and claim.kind == official.harm
            if not (
                same_place or (same_harm and not places) or (same_harm and not official.places)
            ):
                continue
            rank = 2 * same_place + same_harm
            if best is None or rank > best[0]:
                best = (rank, official)
        if best is None:
            return OfficialStatus("none")
        official = best[1]
        if official.denial and claim.claims_harm and not (own.denial or own.relay):
            return OfficialStatus("contradicts", official)
        return OfficialStatus("agrees", official)

    def _near(self, moment: datetime | None) -> Sequence[OfficialPost]:
        if moment is None:
            return self.posts
        return [
            p
            for p in self.posts
            if p.created_at is None or abs(p.created_at - moment) <= self.window
        ]


# --- spread ---------------------------------------------------------------------------------------


def engagement(
    likes: float | None, shares: float | None, replies: float | None, quotes: float | None = None
) -> float:
    """Reach proxy: shares count double (they carry the post to new people)."""
    return sum(v or 0 for v in (likes, replies, quotes)) + 2 * (shares or 0)


def spread_weight(total_engagement: float, posts_in_cluster: int = 1) -> float:
    """0–1: ~0.25 at 30 interactions, ~0.5 at 1,000, 1 at 100,000; more posts add to it."""
    reach = math.log10(1 + max(total_engagement, 0)) / 5
    size = math.log10(max(posts_in_cluster, 1)) / 2
    return min(1.0, reach + size)
