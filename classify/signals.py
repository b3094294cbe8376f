"""Context signals beside the text model, each one explainable in a sentence.

* severity — the kind of harm a post claims (an active shooter outranks a curfew), unless
  every mention of it is negated ("no shooting", "총격 아니래요", "गोलीबारी नहीं हुई");
* locality — whether it is about our city, from the gazetteer in ``config.toml``
  ("Santa Clarita" and "San Jose" are not Santa Clara; a bare "Santa Clara" beside
  "Parque Vidal" or "St. George" is another Santa Clara);
* voice — an official notice, a denial, a relay of the Department, hearsay, a question;
* what the Department said, and how a post relates to it, is the relation step
  (:mod:`rumordesk.classify.relation`); spread is in :mod:`rumordesk.classify.spread`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rumordesk.base.config import ClassifySettings
from rumordesk.classify.scanner import (
    SCRIPTS,
    Lexicon,
    guard,
    lowered,
    one_pass,
    scripts_in,
)
from rumordesk.classify.words.denial import DENIAL, DENIAL_HI, DENIAL_KO, DENIAL_ZH
from rumordesk.classify.words.harms import HARMS, INNOCENT_PHRASES, INNOCENT_USES, Harm
from rumordesk.classify.words.hearsay import HEARSAY, HEARSAY_HI, HEARSAY_KO, HEARSAY_ZH
from rumordesk.classify.words.negation import (
    EMPHATIC,
    EXPLAINED,
    EXPLANATION_DISPUTED,
    NEGATOR,
    NEGATOR_AFTER,
    NEGATOR_ZH,
)
from rumordesk.classify.words.notice import (
    OFFICIAL_NOTICE,
    OFFICIAL_NOTICE_HI,
    OFFICIAL_NOTICE_KO,
    OFFICIAL_NOTICE_ZH,
)
from rumordesk.classify.words.question import QUESTION, QUESTION_HI, QUESTION_KO, QUESTION_ZH
from rumordesk.classify.words.relay import RELAY, RELAY_HI, RELAY_KO, RELAY_ZH

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def fold(text: str) -> str:
    """Lower case (:func:`~rumordesk.classify.scanner.lowered`), one kind of apostrophe, no
    apostrophes inside names (Levi's = Levis)."""
    text = lowered(text)
    if "’" in text or "‘" in text or "`" in text or "´" in text:
        text = text.translate(_APOSTROPHES)
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
_SCARE_QUOTED = re.compile(r"(?<!\w)[\"“'‘「『]([^\"“”'‘’「」『』]{2,24})[\"”'’」』](?!\w)")


def _unquote_harm(found: re.Match[str]) -> str:
    """ "the 'explosion' was a transformer" → "the so-called explosion; was …": the words
    in short quotes are negated, and the negation stops where the quote did."""
    if len(found.group(1).split()) > 3:
        return found.group(0)
    return "so-called " + found.group(1) + ";"


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


def _negation_end(plain: str, end: int) -> int | None:
    """Where a negation written after the harm ending at ``end`` ends ("총격 아니래요",
    "गोलीबारी नहीं हुई", "goli nahi chali"), if there is one."""
    found = NEGATOR_AFTER.match(plain, end, end + _NEGATION_REACH)
    return found.end() if found else None


#: Harms heard rather than seen, which a harmless noise can explain away.
_SOUNDS = frozenset({"active_shooter", "explosive"})
#: How far after the harm, within its sentence, an explanation is looked for.
_EXPLANATION_REACH = 100
_SENTENCE_END = re.compile(r"[.!?。！？।\n]")


def _explanation(plain: str, end: int) -> str | None:
    """The harmless cause offered for the noise just named ("gunshots near Rivermark,
    probably fireworks" → "probably fireworks"), if the same sentence offers one in the
    writer's own voice (not "police will say it was fireworks", not "not fireworks")."""
    window = plain[end : end + _EXPLANATION_REACH]
    if (stop := _SENTENCE_END.search(window)) is not None:
        window = window[: stop.start()]
    found = EXPLAINED.search(window)
    if found is None or EXPLANATION_DISPUTED.search(window[: found.start()]):
        return None
    return found.group(0)


_WORD_HARMS = [h for h in HARMS if not h.pattern.cjk]
_PHRASE_HARMS = [h for h in HARMS if h.pattern.cjk]
#: Every harm word list in one pass, most severe first (it wins where two overlap).
_HARM_SCAN = one_pass({f"h{i}": h.pattern for i, h in enumerate(_WORD_HARMS)})
_HARM_OF_GROUP = {f"h{i}": h for i, h in enumerate(_WORD_HARMS)}


def severity(text: str) -> Severity:
    """The most severe harm the text claims, after removing innocent uses of the words.

    A harm that is only ever mentioned negated ("no shooter", "no hubo balacera", "총격
    아니래요") is reported with ``denied`` set: the post names it but does not claim it.
    """
    text = lowered(text)
    scripts = scripts_in(text)
    found_in_text = list(_HARM_SCAN.finditer(text))
    if not scripts and not found_in_text:
        return NO_HARM
    plain = INNOCENT_USES.fast.sub(" ", text)
    for innocent in INNOCENT_PHRASES:
        if innocent.script in scripts:
            plain = innocent.regex.sub(" ", plain)
    if "'" in plain or '"' in plain or "“" in plain or "‘" in plain or "「" in plain:
        plain = _SCARE_QUOTED.sub(_unquote_harm, plain)
    best: tuple[Harm, str] | None = None
    denied: tuple[Harm, str] | None = None
    # Most posts have no innocent use or quote to take out: the first scan stands.
    scanned = found_in_text if plain == text else _HARM_SCAN.finditer(plain)
    matches = [(_HARM_OF_GROUP[m.lastgroup], m) for m in scanned]  # type: ignore[index]
    if scripts:
        matches += [
            (h, m)
            for h in _PHRASE_HARMS
            if h.pattern.script in scripts
            for m in h.pattern.regex.finditer(plain)
        ]
    for harm, found in matches:
        negation = _negation_start(plain, found.start())
        said_end = found.end()
        if negation is None and (after := _negation_end(plain, found.end())) is not None:
            negation, said_end = found.start(), after
        explained = None
        if negation is None and harm.kind in _SOUNDS:
            explained = _explanation(plain, found.end())
        if explained is not None:
            if denied is None or harm.weight > denied[0].weight:
                denied = (harm, f"{found.group(0)} … {' '.join(explained.split())}")
        elif negation is not None:
            if denied is None or harm.weight > denied[0].weight:
                said = " ".join(plain[negation:said_end].split())
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


def _in_script(name: str) -> bool:
    return any(found.search(name) for found in SCRIPTS.values())


def _alternation(names: Iterable[str], *, guarded: bool = True) -> re.Pattern[str] | None:
    """Every name written in Latin letters, longest first, as whole words; ``guarded`` adds
    the look-ahead on the names' first letters (:func:`classify.scanner.guard`), which
    finds exactly the same, faster."""
    folded = sorted(
        {fold(n) for n in names if n.strip() and not _in_script(n)}, key=len, reverse=True
    )
    if not folded:
        return None
    source = r"(?<!\w)(?:" + "|".join(re.escape(n) for n in folded) + r")(?!\w)"
    return re.compile(guard(source) if guarded else source)


def _phrases(names: Iterable[str]) -> re.Pattern[str] | None:
    """Names written in Chinese, Korean or Devanagari, longest first, matched without
    word boundaries (밸리페어에서, 中央公园晚上): searched only in text in those scripts."""
    folded = sorted({fold(n) for n in names if n.strip() and _in_script(n)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in folded)) if folded else None


@dataclass(frozen=True)
class Gazetteer:
    """Finds places of the jurisdiction and places that only sound like it.

    One pass over the folded text with every configured name, longest first, so that
    "Santa Clara County" (regional) and "Santa Clara Street" (San Jose) win over the
    city's own name inside them. Names in Chinese, Korean and Hindi are a second pass,
    only over text in those scripts.

    Other places called Santa Clara (``namesakes``) are told apart by the rest of the
    post: one of their places ("Parque Vidal") is elsewhere outright, and a bare "Santa
    Clara" (or "Santa Clara County") with none of the city's places or context words
    ("California", "95050") means the namesake whose places or cues the post names
    ("… la provincia", "… Utah").
    """

    #: Folded name → (local | city | regional | not_local | namesake, the name to report).
    names: dict[str, tuple[str, str]]
    pattern: re.Pattern[str] | None
    phrases: re.Pattern[str] | None = None
    #: Folded cue → the namesake it points to (its places are cues too).
    cues: dict[str, str] = field(default_factory=dict)
    cue_pattern: re.Pattern[str] | None = None
    cue_phrases: re.Pattern[str] | None = None
    context_pattern: re.Pattern[str] | None = None
    context_phrases: re.Pattern[str] | None = None

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
        cues: dict[str, str] = {}
        for namesake in settings.namesakes:
            for name in namesake.places:
                names[fold(name)] = ("namesake", namesake.name)
                cues[fold(name)] = namesake.name
            for cue in namesake.cues:
                cues.setdefault(fold(cue), namesake.name)
        context = settings.city_context
        return cls(
            names,
            _alternation(names),
            _phrases(names),
            cues,
            _alternation(cues),
            _phrases(cues),
            _alternation(context),
            _phrases(context),
        )

    def _find(
        self, text: str, words: re.Pattern[str] | None, phrases: re.Pattern[str] | None
    ) -> list[str]:
        found = words.findall(text) if words is not None else []
        if phrases is not None and not text.isascii() and scripts_in(text):
            found += phrases.findall(text)
        return found

    def locate(self, text: str, folded: str | None = None) -> Locality:
        """Where the text is about; ``folded`` is ``fold(text)`` when already at hand."""
        if self.pattern is None and self.phrases is None:
            return Locality("unknown")
        folded = fold(text) if folded is None else folded
        names = self._find(folded, self.pattern, self.phrases)
        if not names:
            return _NOWHERE
        places: list[str] = []
        regional: list[str] = []
        elsewhere: list[str] = []
        city = False
        for found in names:
            kind, name = self.names[found]
            if kind == "local":
                places.append(name)
            elif kind == "city":
                city = True
            elif kind == "regional":
                regional.append(name)
            else:  # not_local, or a namesake's own place
                elsewhere.append(name)
        if not places and (city or regional):
            namesake = self._namesake(folded, regional if not city else [])
            if namesake is not None:
                return Locality("elsewhere", (), tuple(dict.fromkeys([namesake, *elsewhere])))
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

    def _namesake(self, folded: str, regional: list[str]) -> str | None:
        """The other Santa Clara a bare mention of the name means, if the post says which
        (the most cues win; None when the city's own context is named, or no cue is).
        With only a regional name ("Santa Clara County"), only a namesake that is part of
        it can take its place ("unincorporated Santa Clara County")."""
        if not self.cues or self._find(folded, self.context_pattern, self.context_phrases):
            return None
        votes: dict[str, int] = {}
        for cue in self._find(folded, self.cue_pattern, self.cue_phrases):
            namesake = self.cues[cue]
            if regional and not any(fold(r) in fold(namesake) for r in regional):
                continue
            votes[namesake] = votes.get(namesake, 0) + 1
        return max(votes, key=votes.__getitem__) if votes else None


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

#: The voice's phrase lists (Chinese, Korean, Hindi), searched where the script occurs.
_VOICE_PHRASES: tuple[tuple[str, Lexicon], ...] = (
    ("denial", DENIAL_ZH),
    ("denial", DENIAL_KO),
    ("denial", DENIAL_HI),
    ("relay", RELAY_ZH),
    ("relay", RELAY_KO),
    ("relay", RELAY_HI),
    ("notice", OFFICIAL_NOTICE_ZH),
    ("notice", OFFICIAL_NOTICE_KO),
    ("notice", OFFICIAL_NOTICE_HI),
    ("hearsay", HEARSAY_ZH),
    ("hearsay", HEARSAY_KO),
    ("hearsay", HEARSAY_HI),
    ("question", QUESTION_ZH),
    ("question", QUESTION_KO),
    ("question", QUESTION_HI),
)


def voice(text: str) -> Voice:
    text = lowered(text)
    if "no " in text or "not " in text:  # every emphasis has one of them
        text = EMPHATIC.sub(" ", text)
    found: dict[str, str] = {}
    for match in _VOICE_SCAN.finditer(text):
        found.setdefault(match.lastgroup or "", match.group(0))
    scripts = scripts_in(text)
    if scripts:
        for name, phrases in _VOICE_PHRASES:
            if name in found or phrases.script not in scripts:
                continue
            if said := phrases.regex.search(text):
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
