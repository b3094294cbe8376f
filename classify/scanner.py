"""The engine that scans posts for the word lists of :mod:`classify.words`, fast.

Why it exists: speed. Python's ``re`` tries every alternative of a long alternation at
every position, which made the word lists the slowest part of ranking
(``bench/rank_bench.py`` times ranking 10,000 posts). Two shortcuts keep what is found
exactly the same:

* a prefilter (:attr:`Lexicon.triggers`): a list can only match a post in which some word
  begins with one of its alternatives' first letters, so a set lookup rules most posts
  out before any regular expression runs;
* a guard (:func:`guard`): a look-ahead trie of how a match can begin, read from the
  pattern as ``re``'s own parser understands it, so the long alternation runs only where
  one of its alternatives could start.

Both fall back safely. A list whose alternatives do not all start with a literal is
always searched. A pattern that could begin with almost anything, that sets flags, or
that does not start with the word-boundary check is left unguarded, and so is every
pattern when CPython's private ``re._parser`` is missing: the plain pattern runs, which
costs speed and nothing else. Tests in ``tests/classify`` check that the guarded patterns
find exactly what the plain ones find over every training and validation text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

try:  # the parser of the standard ``re`` module: private, so its absence only costs speed
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover - every supported Python has them
    _parser = None  # type: ignore[assignment]


class Lexicon:
    """A compiled alternation of words that first asks whether it *could* match.

    Python's ``re`` tries every alternative at every position, which made these lists
    the slowest part of ranking. Each alternative of a word list starts at a word
    boundary with a literal, so a post can only match when one of its words begins with
    one of those literals' first (up to) three letters: a set lookup rules most posts out
    before the regular expression runs. Lists whose alternatives do not all start with a
    literal are always searched; phrase lists (Chinese, Korean, Hindi) are searched only in
    text that contains their script. Searches use ``fast``, the same pattern behind a look-ahead
    on how a match can begin (:func:`guard`), which skips most word starts at once.
    """

    __slots__ = ("regex", "_fast", "triggers", "script", "alternatives")

    def __init__(
        self, source: str, alternatives: tuple[str, ...], *, script: str | None = None
    ) -> None:
        #: The reference pattern; ``fast`` finds exactly the same, sooner (see :func:`guard`).
        self.regex = re.compile(source)
        #: For a phrase list: the script it is written in (a key of :data:`SCRIPTS`).
        self.script = script
        self.alternatives = alternatives
        self.triggers = None if script else triggers_of(alternatives)
        self._fast: re.Pattern[str] | None = None

    @property
    def cjk(self) -> bool:
        """A phrase list (searched without word boundaries, in its own script only)."""
        return self.script is not None

    @property
    def fast(self) -> re.Pattern[str]:
        """The guarded pattern, built on first use (most lists are only ever searched as
        part of a one-pass scan, so importing stays quick)."""
        if self._fast is None:
            self._fast = re.compile(guard(self.regex.pattern))
        return self._fast

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def possible(self, text: str, prefixes: frozenset[str] | None = None) -> bool:
        """Could this list match ``text``? ``prefixes`` (from :func:`word_prefixes` of the
        same or a longer text) saves computing them again for each list."""
        if self.script is not None:
            return not text.isascii() and SCRIPTS[self.script].search(text) is not None
        if self.triggers is None:
            return True
        return not self.triggers.isdisjoint(word_prefixes(text) if prefixes is None else prefixes)

    def search(self, text: str, prefixes: frozenset[str] | None = None) -> re.Match[str] | None:
        return self.fast.search(text) if self.possible(text, prefixes) else None

    def finditer(
        self, text: str, prefixes: frozenset[str] | None = None
    ) -> Iterator[re.Match[str]]:
        return self.fast.finditer(text) if self.possible(text, prefixes) else iter(())

    def sub(
        self,
        replacement: str | Callable[[re.Match[str]], str],
        text: str,
        prefixes: frozenset[str] | None = None,
    ) -> str:
        return self.fast.sub(replacement, text) if self.possible(text, prefixes) else text


def one_pass(named: dict[str, Lexicon], *, guarded: bool = True) -> re.Pattern[str]:
    """One regular expression for several word lists, each a named group, so that a post
    is scanned once (``match.lastgroup`` says which list matched). Where two lists match
    at the same place, the one named first wins. ``guarded=False`` gives the reference
    pattern without the trigger look-ahead (for tests)."""
    groups = (f"(?P<{name}>{'|'.join(lex.alternatives)})" for name, lex in named.items())
    source = r"(?<!\w)(?:" + "|".join(groups) + r")(?!\w)"
    return re.compile(guard(source) if guarded else source)


_WORD_START = r"(?<!\w)"


def triggers_of(alternatives: Iterable[str]) -> frozenset[str] | None:
    """Every literal (up to three letters) the alternatives can start with, or None when
    one of them can start otherwise."""
    triggers: set[str] = set()
    for alternative in alternatives:
        if len(_split_top(alternative)) > 1:  # "a|b" passed as one alternative
            return None
        found = _leading_literals(alternative)
        if found is None:
            return None
        triggers |= found
    return frozenset(triggers)


def guard(source: str, depth: int = 12) -> str:
    """``source`` with a look-ahead, right after its word-boundary check, for how a match
    must begin (its first ``depth`` characters, as a trie; fewer when that would take
    more than a few thousand beginnings). Twelve characters measured fastest: the trie
    then holds most short alternatives whole.

    Python's ``re`` tries every alternative of a long list at every word start; the trie
    rejects almost every word start after a letter or two, so the full alternation runs
    only where one of its alternatives could begin. The beginnings are read from the
    parsed pattern itself and the look-ahead only rejects positions where no alternative
    can match, so what is found is exactly the same. A source that does not start with
    the word-boundary check, or that could begin with anything, is returned unchanged.
    """
    if _parser is None or not source.startswith(_WORD_START):
        return source
    rest = source[len(_WORD_START) :]
    try:
        parsed = _parser.parse(rest)
    except re.error:  # e.g. a group opened before the check and closed after it
        return source
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return source
    beginnings = _beginnings(list(parsed), depth)
    while len(beginnings) > _MOST_BEGINNINGS and depth > 1:
        depth //= 2
        beginnings = _beginnings(list(parsed), depth)
    if "" in beginnings:
        return source
    return _WORD_START + "(?=" + _trie(beginnings) + ")" + rest


_MOST_BEGINNINGS = 4000

#: Stands for "any digit" (``\d``, which matches more than 0–9) in :func:`_beginnings`.
_ANY_DIGIT = "\x00"


def _beginnings(items: list, depth: int) -> set[str]:
    """Strings one of which every match of the parsed sequence ``items`` starts with: its
    first ``depth`` characters, or fewer where that is all that can be said ("" when
    nothing can be)."""
    if depth <= 0 or not items:
        return {""}
    op, av = items[0]
    rest = items[1:]
    if op is _c.LITERAL:
        if chr(av) == _ANY_DIGIT:
            return {""}
        return {chr(av) + tail for tail in _beginnings(rest, depth - 1)}
    if op is _c.SUBPATTERN:
        _, add_flags, del_flags, inner = av
        return {""} if add_flags or del_flags else _beginnings(list(inner) + rest, depth)
    if op is _c.BRANCH:
        found: set[str] = set()
        for alternative in av[1]:
            found |= _beginnings(list(alternative) + rest, depth)
        return found
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        low, high, inner = av
        # Once and then the rest when it repeats at most once; else just its own start.
        once = _beginnings(list(inner) + rest if high == 1 else list(inner), depth)
        return once | _beginnings(rest, depth) if low == 0 else once
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):  # zero width: the rest begins here
        return _beginnings(rest, depth)
    if op is _c.IN:
        chars: list[str] = []
        for kind, value in av:
            if kind is _c.LITERAL:
                chars.append(chr(value))
            elif kind is _c.RANGE and value[1] - value[0] < 64:
                chars += [chr(c) for c in range(value[0], value[1] + 1)]
            elif kind is _c.CATEGORY and value is _c.CATEGORY_DIGIT and len(av) == 1:
                chars.append(_ANY_DIGIT)
            else:
                return {""}
        tails = _beginnings(rest, depth - 1)
        return {c + tail for c in chars for tail in tails}
    return {""}


def _trie(words: Iterable[str]) -> str:
    """A pattern matching any of ``words`` as a prefix."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branches(node: dict[str, dict]) -> list[str]:
        return [
            (r"\d" if c == _ANY_DIGIT else re.escape(c)) + emit(child)
            for c, child in sorted(node.items())
        ]

    def emit(node: dict[str, dict]) -> str:
        if "" in node:  # a shorter beginning already suffices
            return ""
        found = branches(node)
        return found[0] if len(found) == 1 else "(?:" + "|".join(found) + ")"

    return "(?:" + "|".join(branches(tree)) + ")"


_WORD = re.compile(r"\w+")


def word_prefixes(text: str) -> frozenset[str]:
    """The first one, two and three letters of every word of (lower-cased) text."""
    words = set(_WORD.findall(text))
    return frozenset([w[:3] for w in words] + [w[:2] for w in words] + [w[:1] for w in words])


def _leading_literals(alternative: str) -> set[str] | None:
    """The literal(s) an alternative must start with, cut to three letters; None when it
    can start otherwise (a class, an optional group, a non-letter)."""
    literal = ""
    i = 0
    while i < len(alternative):
        c = alternative[i]
        if c == "\\":
            nxt = alternative[i + 1 : i + 2]
            if nxt == "d" and not literal:  # a number: any word starting with a digit
                return set("0123456789")
            if not nxt or nxt.isalpha():  # \w, \s, \b …: not a literal
                break
            literal += nxt
            i += 2
            continue
        if c == "(":
            if literal:
                break
            end = _group_end(alternative, i)
            if end is None or not alternative.startswith("(?:", i):
                return None
            if alternative[end + 1 : end + 2] in ("?", "*") or alternative.startswith(
                "{0", end + 1
            ):
                return None
            found: set[str] = set()
            for inner in _split_top(alternative[i + 3 : end]):
                more = _leading_literals(inner)
                if more is None:
                    return None
                found |= more
            return found
        if c in "?*{":
            literal = literal[:-1]
            break
        if c in ".^$[|)+":
            if c == "+":
                literal += ""
            break
        literal += c
        i += 1
    word = _WORD.match(literal)
    if word is None:
        return None
    return {word.group(0)[:3]}


def _group_end(text: str, start: int) -> int | None:
    depth = 0
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _split_top(text: str) -> list[str]:
    parts, depth, current, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            current += text[i : i + 2]
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += c
        i += 1
    parts.append(current)
    return parts


def word_list(*alternatives: str) -> Lexicon:
    """Whole words or phrases. Patterns are lower case and are matched against lower-cased
    text (``str.lower`` once per post is much faster than ``re.IGNORECASE`` per pattern)."""
    return Lexicon(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", alternatives)


def phrase_list(*alternatives: str, script: str = "cjk") -> Lexicon:
    """Phrases matched without word boundaries, searched only in text written partly in
    ``script``: Chinese (no spaces between words), Korean (particles and endings join the
    word: 총격이, 총격범은) and Hindi in Devanagari (whose vowel signs are not word
    characters to ``re``, so a word boundary falls inside words)."""
    if script not in SCRIPTS:
        raise ValueError(f"unknown script {script!r}")
    return Lexicon("|".join(alternatives), alternatives, script=script)


#: The scripts phrase lists are written in, and how to tell that a text contains them.
SCRIPTS: dict[str, re.Pattern[str]] = {
    "cjk": re.compile(r"[\u3400-\u9fff\uf900-\ufaff]"),
    "hangul": re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]"),
    "devanagari": re.compile(r"[\u0900-\u097f]"),
}
_NO_SCRIPTS: frozenset[str] = frozenset()


def scripts_in(text: str) -> frozenset[str]:
    """The phrase-list scripts ``text`` contains (none for plain ASCII, at once)."""
    if text.isascii():
        return _NO_SCRIPTS
    return frozenset(name for name, found in SCRIPTS.items() if found.search(text))


_NUKTA = "\u093c"


def lowered(text: str) -> str:
    """Text as every word list is matched against it: lower case; beyond ASCII also in
    NFC (one code point per accented letter, as the lists are written) and without the
    Devanagari nukta, which Hindi writers use or leave out at will (फ़ेयर, फेयर)."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFC", text).lower()
    return text.replace(_NUKTA, "") if _NUKTA in text else text
