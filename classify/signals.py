"""Context signals beside the text model, each one explainable in a sentence.

* severity — the kind of harm a post claims (an active shooter outranks a curfew);
* locality — whether it is about our city, from the gazetteer in ``config.toml``
  ("Santa Clarita" and "San Jose" are not Santa Clara);
* official status — whether a recent Department post says otherwise, or the same;
* impersonation — an "official notice" from an account that is not the Department;
* spread — in :mod:`rumordesk.classify.spread` (reach, its weight, its reason).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rumordesk.base.config import ClassifySettings
from rumordesk.classify.scanner import guard, one_pass
from rumordesk.classify.words.denial import DENIAL, DENIAL_ZH
from rumordesk.classify.words.department import INCIDENT, REPORTED
from rumordesk.classify.words.harms import HARMS, INNOCENT_USES, Harm
from rumordesk.classify.words.hearsay import HEARSAY
from rumordesk.classify.words.negation import EMPHATIC, NEGATOR, NEGATOR_ZH
from rumordesk.classify.words.notice import OFFICIAL_NOTICE
from rumordesk.classify.words.question import QUESTION, QUESTION_ZH
from rumordesk.classify.words.relay import RELAY, RELAY_ZH

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def fold(text: str) -> str:
    """Lower case, one kind of apostrophe, no apostrophes inside names (Levi's = Levis)."""
    text = unicodedata.normalize("NFC", text)
    if "’" in text or "‘" in text or "`" in text or "´" in text:
        text = text.translate(_APOSTROPHES)
    text = text.lower()
    return _INNER_APOSTROPHE.sub("", text) if "'" in text else text


# --- severity -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Severity:
    kind: str | None
    weight: float
    label: str | None
    phrase: str | None = None
    #: Every mention of the harm is negated ("there was no shooting"): named, not claimed.
    denied: bool = False
    #: The most severe negated mention, claimed or not ("no shooting"), for quoting.
    denied_phrase: str | None = None

    @property
    def claims_harm(self) -> bool:
        return self.weight > 0 and not self.denied


NO_HARM = Severity(None, 0.0, None)
#: A harm word in short quotes ("the 'explosion' was a transformer") is being talked about,
#: not claimed; long quotes are often the claim itself ("a Nixle said 'active shooter at…'").
_SCARE_QUOTED = re.compile(r"(?<!\w)[\"“'‘]([^\"“”'‘’]{2,24})[\"”'’](?!\w)")


def _unquote_harm(found: re.Match[str]) -> str:
    return "so-called " + found.group(1) if len(found.group(1).split()) <= 3 else found.group(0)


_NEGATION_REACH = 40
#: NEGATOR with the look-ahead on how a match can begin (the same matches).
_NEGATOR = re.compile(guard(NEGATOR.pattern))
_TRAILING_PREPOSITION = re.compile(r"\s+(?:at|in|near|inside)$")


def _negation_start(plain: str, start: int) -> int | None:
    """Where the negation of the harm found at ``start`` begins, if the few words before
    it negate it ("no shooting", "there was no active shooter")."""
    offset = max(0, start - _NEGATION_REACH)
    before = plain[offset:start]
    if "no " in before or "not " in before:  # every emphasis has one of them
        before = EMPHATIC.sub(lambda m: " " * len(m.group(0)), before)
    found = _NEGATOR.search(before) or (
        None if before.isascii() else NEGATOR_ZH.search(before)  # Chinese negators only
    )
    return offset + found.start() if found else None


_WORD_HARMS = [h for h in HARMS if not h.pattern.cjk]
_PHRASE_HARMS = [h for h in HARMS if h.pattern.cjk]
#: Every harm word list in one pass, most severe first (it wins where two overlap).
_HARM_SCAN = one_pass({f"h{i}": h.pattern for i, h in enumerate(_WORD_HARMS)})
_HARM_OF_GROUP = {f"h{i}": h for i, h in enumerate(_WORD_HARMS)}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def severity(text: str) -> Severity:
    """The most severe harm the text claims, after removing innocent uses of the words.

    A harm that is only ever mentioned negated ("no shooter", "no hubo balacera") is
    reported with ``denied`` set: the post names it but does not claim it.
    """
    text = text.lower()
    cjk = not text.isascii() and _CJK.search(text) is not None
    found_in_text = list(_HARM_SCAN.finditer(text))
    if not cjk and not found_in_text:
        return NO_HARM
    plain = INNOCENT_USES.fast.sub(" ", text)
    if "'" in plain or '"' in plain or "“" in plain or "‘" in plain:
        plain = _SCARE_QUOTED.sub(_unquote_harm, plain)
    best: tuple[Harm, str] | None = None
    denied: tuple[Harm, str] | None = None
    # Most posts have no innocent use or quote to take out: the first scan stands.
    scanned = found_in_text if plain == text else _HARM_SCAN.finditer(plain)
    matches = [(_HARM_OF_GROUP[m.lastgroup], m) for m in scanned]  # type: ignore[index]
    if cjk:
        matches += [(h, m) for h in _PHRASE_HARMS for m in h.pattern.regex.finditer(plain)]
    for harm, found in matches:
        negation = _negation_start(plain, found.start())
        if negation is not None:
            if denied is None or harm.weight > denied[0].weight:
                said = " ".join(plain[negation : found.end()].split())
                denied = (harm, _TRAILING_PREPOSITION.sub("", said))
        elif best is None or harm.weight > best[0].weight:
            best = (harm, found.group(0))
    negated = denied[1] if denied else None
    if best is not None:
        harm, phrase = best
        return Severity(harm.kind, harm.weight, harm.label, phrase, denied_phrase=negated)
    if denied is not None:
        harm, phrase = denied
        return Severity(harm.kind, harm.weight, harm.label, phrase, True, negated)
    return NO_HARM


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


def _alternation(names: Iterable[str], *, guarded: bool = True) -> re.Pattern[str] | None:
    """Every name, longest first; ``guarded`` adds the look-ahead on the names' first
    letters (:func:`classify.scanner.guard`), which finds exactly the same, faster."""
    folded = sorted({fold(n) for n in names if n.strip()}, key=len, reverse=True)
    if not folded:
        return None
    source = r"(?<!\w)(?:" + "|".join(re.escape(n) for n in folded) + r")(?!\w)"
    return re.compile(guard(source) if guarded else source)


@dataclass(frozen=True)
class Gazetteer:
    """Finds places of the jurisdiction and places that only sound like it.

    One pass over the folded text with every configured name, longest first, so that
    "Santa Clara County" (regional) and "Santa Clara Street" (San Jose) win over the
    city's own name inside them.
    """

    #: Folded name → (local | city | regional | not_local, the name to report).
    names: dict[str, tuple[str, str]]
    pattern: re.Pattern[str] | None

    @classmethod
    def from_settings(cls, settings: ClassifySettings) -> Gazetteer:
        names: dict[str, tuple[str, str]] = {}
        # Later lists win a name they share with earlier ones: not_local is the strongest.
        for name in settings.city_names:
            names[fold(name)] = ("city", "Santa Clara")
        for place in settings.places:
            for name in (place.name, *place.aliases):
                names[fold(name)] = ("local", place.name)
        for name in settings.regional:
            names[fold(name)] = ("regional", name)
        for name in settings.not_local:
            names[fold(name)] = ("not_local", name)
        return cls(names, _alternation(names))

    def locate(self, text: str, folded: str | None = None) -> Locality:
        """Where the text is about; ``folded`` is ``fold(text)`` when already at hand."""
        if self.pattern is None:
            return Locality("unknown")
        places: list[str] = []
        regional: list[str] = []
        elsewhere: list[str] = []
        city = False
        names = self.pattern.findall(fold(text) if folded is None else folded)
        if not names:
            return _NOWHERE
        for found in names:
            kind, name = self.names[found]
            if kind == "local":
                places.append(name)
            elif kind == "city":
                city = True
            elif kind == "regional":
                regional.append(name)
            else:
                elsewhere.append(name)
        others = tuple(dict.fromkeys(elsewhere))
        if places or city:
            level = "mixed" if others else "local"
            return Locality(level, tuple(dict.fromkeys(places)) or ("Santa Clara",), others)
        if regional:
            level = "mixed" if others else "regional"
            return Locality(level, tuple(dict.fromkeys(regional)), others)
        if others:
            return Locality("elsewhere", (), others)
        return Locality("unknown")


_NOWHERE = Locality("unknown")


# --- voice: notices, denials, relays, hearsay -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Voice:
    official_notice: bool
    denial: bool
    relay: bool
    hearsay: bool
    question: bool = False
    #: The denial phrase itself ("no shooting"), quoted in reasons.
    denial_phrase: str | None = None


#: The voice's word lists in one pass.
_VOICE_SCAN = one_pass(
    {
        "denial": DENIAL,
        "relay": RELAY,
        "notice": OFFICIAL_NOTICE,
        "hearsay": HEARSAY,
        "question": QUESTION,
    }
)


_VOICE_ZH = (("denial", DENIAL_ZH), ("relay", RELAY_ZH), ("question", QUESTION_ZH))


def voice(text: str) -> Voice:
    text = text.lower()
    if "no " in text or "not " in text:  # every emphasis has one of them
        text = EMPHATIC.sub(" ", text)
    found: dict[str, str] = {}
    for match in _VOICE_SCAN.finditer(text):
        found.setdefault(match.lastgroup or "", match.group(0))
    if not text.isascii() and _CJK.search(text):
        for name, phrases in _VOICE_ZH:
            if name not in found and (said := phrases.regex.search(text)):
                found[name] = said.group(0)
    return Voice(
        "notice" in found,
        "denial" in found,
        "relay" in found,
        "hearsay" in found,
        "question" in found,
        found.get("denial"),
    )


_NOT_HANDLE = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=16384)
def handle_of(name: str) -> str:
    """An account name as a bare handle: "@SantaClaraPD", "Santa Clara PD" and
    "santa_clara_pd" are all "santaclarapd"."""
    return _NOT_HANDLE.sub("", fold(name))


def is_department(author: str | None, accounts: Iterable[str]) -> bool:
    """Is this one of the Department's accounts? (``accounts`` may be pre-folded handles)"""
    if not author:
        return False
    handle = handle_of(author)
    if isinstance(accounts, frozenset):
        return handle in accounts
    return any(handle == handle_of(a) for a in accounts)


# --- official status ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfficialPost:
    """A Department post, pre-read once so that every post can be compared with it fast."""

    id: str
    text: str
    created_at: datetime | None
    places: frozenset[str]
    harm: str | None
    harm_weight: float
    denial: bool
    #: The Department itself reports this harm ("officers are investigating a shooting").
    confirms: bool
    #: "police activity", "investigating": an incident notice that names no harm.
    incident: bool
    #: What the Department said, as short as it can be quoted ("no shooting").
    quote: str
    #: ``created_at`` in whole microseconds since the epoch (exact, and fast to compare);
    #: None without a time or for a time without a zone.
    moment: int | None = None

    @property
    def excerpt(self) -> str:
        return self.text if len(self.text) <= 90 else self.text[:87].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class OfficialStatus:
    #: contradicts | inflates | agrees | none
    relation: str
    post: OfficialPost | None = None


@dataclass
class OfficialContext:
    """Recent Department posts, indexed by place and by kind of harm.

    A post is compared only with the Department posts about the same place, or about the
    same kind of harm when either names no place, within ``window`` of it.
    """

    gazetteer: Gazetteer
    window: timedelta
    posts: list[OfficialPost] = field(default_factory=list)
    _by_place: dict[str, list[OfficialPost]] = field(default_factory=dict)
    _by_harm: dict[str, list[OfficialPost]] = field(default_factory=dict)
    _sorted: bool = False
    _answers: dict[tuple[object, ...], OfficialStatus] = field(default_factory=dict)
    #: Some Department post has a time without a zone (no fast comparison in microseconds).
    _zoneless: bool = False
    #: Per (places, harm): the candidates of :meth:`_status` in its order, by rank.
    _plans: dict[tuple[object, ...], list[tuple[int, list[OfficialPost]]]] = field(
        default_factory=dict
    )

    def add(self, post_id: str, text: str, created_at: datetime | None) -> None:
        located = self.gazetteer.locate(text)
        harm = severity(text)
        said = voice(text)
        denial = said.denial or harm.denied
        incident = INCIDENT.search(text.lower())
        if denial:
            quote = harm.denied_phrase or said.denial_phrase or ""
        elif incident and not harm.claims_harm:
            quote = incident.group(0)
        else:
            quote = ""
        official = OfficialPost(
            str(post_id),
            text,
            created_at,
            frozenset(located.places) - {"Santa Clara"},
            harm.kind,
            harm.weight,
            denial,
            harm.claims_harm and not REPORTED.search(text.lower()),
            incident is not None,
            quote or _short(text),
            _micros(created_at),
        )
        self.posts.append(official)
        self._zoneless = self._zoneless or (created_at is not None and official.moment is None)
        self._sorted = False
        self._answers.clear()
        self._plans.clear()
        for place in official.places:
            self._by_place.setdefault(place, []).append(official)
        if official.harm:
            self._by_harm.setdefault(official.harm, []).append(official)
        if not official.places:
            self._by_place.setdefault("", []).append(official)

    def status(
        self, claim: Severity, locality: Locality, created_at: datetime | None, own: Voice
    ) -> OfficialStatus:
        """Does a Department post near in time say otherwise about the same thing?

        * contradicts — it denies the harm this post claims ("no threat" vs "shooting");
        * inflates — it reported an incident without that harm (or a lesser one) at the
          same place, and this post claims worse ("police activity" → "hostage, 3 dead");
        * agrees — it is about the same thing and this post does not go beyond it.
        """
        if not self.posts or locality.level == "elsewhere":
            return OfficialStatus("none")
        # Many posts of a night tell the same story within minutes of each other: the
        # answer depends only on these (time to five minutes), so it is worked out once.
        minute = (
            created_at.replace(
                minute=created_at.minute - created_at.minute % 5, second=0, microsecond=0
            )
            if created_at
            else None
        )
        key = (
            claim.kind,
            claim.weight,
            claim.claims_harm,
            claim.denied,
            locality.places,
            minute,
            own.question,
            own.relay,
            own.denial,
        )
        if (known := self._answers.get(key)) is not None:
            return known
        answer = self._status(claim, locality, minute, own)
        self._answers[key] = answer
        return answer

    def _status(
        self, claim: Severity, locality: Locality, created_at: datetime | None, own: Voice
    ) -> OfficialStatus:
        places = set(locality.places) - {"Santa Clara"}
        moment = _micros(created_at)
        if moment is not None and not self._zoneless:
            return self._planned(claim, locality, places, moment, own)
        candidates: list[OfficialPost] = []
        for place in places:
            candidates += self._in_window(self._by_place.get(place), created_at)
        if claim.kind:
            for official in self._in_window(self._by_harm.get(claim.kind), created_at):
                if not places or not official.places:
                    candidates.append(official)
            if not places:
                for official in self._in_window(self._by_place.get(""), created_at):
                    if official.denial and official.harm is None:
                        candidates.append(official)
        if candidates and not self._zoneless and created_at is None:
            (rank, _, _), nearest = _nearest(candidates, places, claim.kind, moment)
            return self._relation(claim, own, rank, nearest)
        # Times without a zone: compared as datetimes, as given.
        best: tuple[tuple[int, bool, timedelta], OfficialPost] | None = None
        for official in candidates:
            same_place = bool(places & official.places)
            same_harm = claim.kind is not None and claim.kind == official.harm
            # The most specific match first, a denial before other news, then the nearest.
            distance = (
                abs(official.created_at - created_at)
                if official.created_at and created_at
                else _NO_DISTANCE
            )
            key = (2 * same_place + same_harm, official.denial, -distance)
            if best is None or key > best[0]:
                best = (key, official)
        if best is None:
            return OfficialStatus("none")
        (rank, _, _), official = best
        return self._relation(claim, own, rank, official)

    @staticmethod
    def _relation(claim: Severity, own: Voice, rank: int, official: OfficialPost) -> OfficialStatus:
        claims = claim.claims_harm and not own.question
        confirmed = official.confirms and official.harm == claim.kind
        if official.denial and claims and not confirmed:
            return OfficialStatus("contradicts", official)
        if (
            claims
            and rank >= 2
            and not official.denial
            and official.harm_weight < claim.weight
            and (official.incident or official.confirms)
        ):
            return OfficialStatus("inflates", official)
        if confirmed:
            return OfficialStatus("agrees", official)
        if official.denial and (own.relay or own.denial or claim.denied):
            return OfficialStatus("agrees", official)
        if own.relay and not claim.claims_harm:
            return OfficialStatus("agrees", official)
        # About the same thing but neither confirmed nor denied ("we are aware of posts
        # about a shooting and are looking into them"): no bearing either way.
        return OfficialStatus("none")

    def _planned(
        self, claim: Severity, locality: Locality, places: set[str], moment: int, own: Voice
    ) -> OfficialStatus:
        """:meth:`_status` for a post with a time: the candidates are grouped once per
        (places, harm) by rank and denial, best group first, each in the order
        :meth:`_status` meets them; the answer is the nearest in time (the first of
        equals) in the best group that has a post within the window."""
        key = (locality.places, claim.kind)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(places, claim.kind)
        window = self.window // _MICROSECOND
        low, high = moment - window, moment + window
        for rank, members in plan:
            best: OfficialPost | None = None
            best_distance = 0
            for official in members:
                at = official.moment
                if at is None:
                    distance = 0
                elif low <= at <= high:
                    distance = abs(at - moment)
                else:
                    continue
                if best is None or distance < best_distance:
                    best, best_distance = official, distance
            if best is not None:
                return self._relation(claim, own, rank, best)
        return OfficialStatus("none")

    def _plan(self, places: set[str], kind: str | None) -> list[tuple[int, list[OfficialPost]]]:
        consulted = [self._by_place.get(place) for place in places]
        if kind:
            consulted += [self._by_harm.get(kind), None if places else self._by_place.get("")]
        if any(consulted):  # as :meth:`_in_window` sorts only when it has posts to search
            self._sort()
        groups: dict[tuple[int, bool], list[OfficialPost]] = {}
        for place in places:
            for official in self._by_place.get(place) or ():
                rank = 2 + (kind is not None and kind == official.harm)
                groups.setdefault((rank, official.denial), []).append(official)
        if kind:
            for official in self._by_harm.get(kind) or ():
                if not places or not official.places:
                    groups.setdefault((1, official.denial), []).append(official)
            if not places:
                for official in self._by_place.get("") or ():
                    if official.denial and official.harm is None:
                        groups.setdefault((0, True), []).append(official)
        return [(rank, groups[(rank, denial)]) for rank, denial in sorted(groups, reverse=True)]

    def _sort(self) -> None:
        if not self._sorted:
            for members in (*self._by_place.values(), *self._by_harm.values()):
                members.sort(key=_time_order)
            self._sorted = True

    def _in_window(
        self, posts: list[OfficialPost] | None, moment: datetime | None
    ) -> list[OfficialPost]:
        """The posts of one index list within the window of ``moment`` (binary search on
        the list kept in time order; posts without a time always count)."""
        if not posts:
            return []
        if moment is None:
            return posts
        self._sort()
        untimed_from = bisect.bisect_left(posts, 1, key=_has_time)
        low = bisect.bisect_left(posts, moment - self.window, hi=untimed_from, key=_time_key)
        high = bisect.bisect_right(posts, moment + self.window, hi=untimed_from, key=_time_key)
        return posts[low:high] + posts[untimed_from:]


def _nearest(
    candidates: list[OfficialPost], places: set[str], kind: str | None, moment: int | None
) -> tuple[tuple[int, bool, int], OfficialPost]:
    """The best candidate as :meth:`OfficialContext._status` orders them (the most specific
    match, a denial, the nearest in time; the first of equals), on whole microseconds."""
    best_key: tuple[int, bool, int] | None = None
    best = candidates[0]
    for official in candidates:
        rank = (2 if places and not places.isdisjoint(official.places) else 0) + (
            kind is not None and kind == official.harm
        )
        at = official.moment
        distance = abs(at - moment) if at is not None and moment is not None else 0
        key = (rank, official.denial, -distance)
        if best_key is None or key > best_key:
            best_key, best = key, official
    return best_key, best  # type: ignore[return-value]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime | None) -> int | None:
    if moment is None or moment.utcoffset() is None:
        return None
    return (moment - _EPOCH) // _MICROSECOND


_NEVER = datetime.max.replace(tzinfo=UTC)
_NO_DISTANCE = timedelta(0)


def _time_order(post: OfficialPost) -> tuple[int, datetime]:
    return (0, post.created_at) if post.created_at is not None else (1, _NEVER)


def _has_time(post: OfficialPost) -> int:
    return 0 if post.created_at is not None else 1


def _time_key(post: OfficialPost) -> datetime:
    return post.created_at  # type: ignore[return-value]  # only timed posts are searched


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
