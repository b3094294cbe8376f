"""Words that carry the signals: kinds of harm, official-notice language, denials, hedges.

Kept apart from the code that uses them so that a PIO-facing reason ("claims an active
shooter") and the pattern that found it sit side by side. Patterns cover English, Spanish,
Vietnamese, Chinese and Tagalog, the languages most spoken in Santa Clara after English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

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
    literal are always searched; phrase lists (Chinese) are searched only in text that
    contains CJK characters. Searches use ``fast``, the same pattern behind a look-ahead
    on how a match can begin (:func:`guard`), which skips most word starts at once.
    """

    __slots__ = ("regex", "_fast", "triggers", "cjk", "alternatives")

    def __init__(self, source: str, alternatives: tuple[str, ...], *, cjk: bool = False) -> None:
        #: The reference pattern; ``fast`` finds exactly the same, sooner (see :func:`guard`).
        self.regex = re.compile(source)
        self.cjk = cjk
        self.alternatives = alternatives
        self.triggers = None if cjk else triggers_of(alternatives)
        self._fast: re.Pattern[str] | None = None

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
        if self.cjk:
            return not text.isascii() and _CJK.search(text) is not None
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


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
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


@dataclass(frozen=True, slots=True)
class Harm:
    """A kind of harm a post can claim, how severe it is, and how the reason names it."""

    kind: str
    weight: float
    label: str
    pattern: Lexicon


def _words(*alternatives: str) -> Lexicon:
    """Whole words or phrases. Patterns are lower case and are matched against lower-cased
    text (``str.lower`` once per post is much faster than ``re.IGNORECASE`` per pattern)."""
    return Lexicon(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", alternatives)


def _phrases(*alternatives: str) -> Lexicon:
    """For scripts without spaces between words (Chinese): no word boundaries."""
    return Lexicon("|".join(alternatives), alternatives, cjk=True)


#: Most severe first; a post's severity is that of the most severe harm it claims.
HARMS: tuple[Harm, ...] = (
    Harm(
        "active_shooter",
        1.0,
        "an active shooter",
        _words(
            r"active[- ]?shooters?",
            r"mass shooting",
            r"gunm[ae]n",
            r"shooters?",
            r"shots? fired",
            r"gun ?fire",
            r"gunshots?",
            r"open(?:ed|ing)? fire",
            r"someone (?:is )?shooting",
            r"people (?:are )?shooting",
            r"shooting at",
            r"shooting (?:in|near|inside)",
            r"tirador(?:es)?",
            r"tiroteo",
            r"balacera",
            r"disparos",
            r"xả súng",
            r"nổ súng",
            r"tay súng",
            r"pamamaril",
            r"barilan",
            r"namamaril",
            r"may bumabaril",
            r"shootings?",
            r"shoot ?outs?",
            r"gun ?fights?",
            r"(?:was|were|got|been|being|get|getting) (?:shot|gunned down)",
            r"shot (?:dead|and killed|in the \w+|at (?:people|us|cars|someone|students))",
            r"(?:people|person|man|woman|kid|boy|girl|student|guard|officer|"
            r"\d+ (?:people|persons)?) "
            r"(?:was |were |got )?shot",
            r"shot (?:a|an|the|two|three) (?:man|woman|guard|student|kid|boy|girl|person|people|"
            r"officer|cashier|security guard)",
            r"(?:fired|firing) (?:a gun|shots|a shot|into|at (?:people|us|the crowd|cars))",
            r"fired (?:it|a weapon)",
            r"shoot(?:ing)? up",
            r"(?:a|with a|had a|has a|pulled a|pulls a|waving a|holding a|brought a|carrying a) "
            r"(?:gun|rifle|pistol|handgun|shotgun|weapon|firearm)",
            r"guns? (?:at|in|near|inside|on campus|to school)",
            r"rifles?",
            r"pistols?",
            r"shotguns?",
            r"ar-?15s?",
            r"bullets?",
            r"bullet holes?",
            r"snipers?",
            r"armed (?:man|men|suspect|person|gunmen|intruder|robber)",
            r"active (?:killer|attacker|assailant)",
            r"namaril",
            r"binaril",
            r"baril",
            r"bị bắn",
            r"bắn",
            r"súng",
            r"pistolas?",
            r"armado",
            r"dispar(?:ó|aron|ando|ar)",
            r"balazos?",
        ),
    ),
    Harm(
        "active_shooter",
        1.0,
        "an active shooter",
        _phrases(
            "枪击",
            "槍擊",
            "枪手",
            "槍手",
            "开枪",
            "開槍",
            "中枪",
            "中槍",
            "持枪",
            "持槍",
            "枪声",
            "槍聲",
        ),
    ),
    Harm(
        "explosive",
        0.95,
        "a bomb or explosive",
        _words(
            r"bombs?",
            r"explosives?",
            r"pipe ?bombs?",
            r"ied",
            r"detonat\w*",
            r"explosion",
            r"bomba",
            r"explosivos?",
            r"quả bom",
            r"bom",
            r"chất nổ",
            r"pampasabog",
            r"sumabog",
            r"bombers?",
            r"grenades?",
            r"c-?4",
            r"blew up",
            r"blasts?",
            r"explosions",
            r"(?:bag|package|device|backpack|box) with (?:wires|a timer)",
            r"suspicious (?:package|device|bag|backpack)",
            r"amenaza de bomba",
            r"vụ nổ",
        ),
    ),
    Harm("explosive", 0.95, "a bomb or explosive", _phrases("炸弹", "炸彈", "爆炸", "爆炸物")),
    Harm(
        "hostage",
        0.9,
        "a hostage situation or abduction",
        _words(
            r"hostages?",
            r"taken hostage",
            r"kidnapp?(?:ed|ing|er|ers)?",
            r"abduct\w*",
            r"snatch(?:ed|ing) (?:a |two |three )?(?:kids?|child|children|girl|boy)",
            r"rehen(?:es)?",
            r"rehén",
            r"secuestr\w*",
            r"con tin",
            r"bắt cóc",
            r"dinukot",
            r"kinidnap",
            r"(?:grabbed|dragged|pulled|shoved|forced|lured|thrown) (?:into|in) "
            r"(?:a|his|her|the|an) "
            r"(?:van|car|truck|suv|vehicle)",
            r"(?:grabbed|took|taken|snatched|abducted) (?:a |her |his |my |the |two )?"
            r"(?:kid|kids|child|children|girl|boy|daughter|son|toddler|baby|teen)",
            r"(?:someone|somebody|a man|a guy) took (?:her|him|a kid|a child)",
            r"tried to (?:take|grab|drag|lure|snatch) (?:a|her|his|my|the)",
            r"traffick\w*",
            r"(?:girl|boy|kid|child|toddler|teen|student|woman|daughter|son) "
            r"(?:went |is |has gone )?missing",
            r"se llevaron a",
        ),
    ),
    Harm(
        "hostage", 0.9, "a hostage situation or abduction", _phrases("人质", "人質", "绑架", "綁架")
    ),
    Harm(
        "stabbing",
        0.9,
        "a stabbing or deadly attack",
        _words(
            r"stabb(?:ed|ing|ings)",
            r"knife attack",
            r"machete",
            r"people (?:are )?dead",
            r"(?:several|many|multiple|\d+) (?:people )?(?:dead|killed)",
            r"bodies",
            r"mass casualt\w*",
            r"apuñal\w*",
            r"muertos",
            r"đâm",
            r"người chết",
            r"sinaksak",
            r"patay",
            r"knife",
            r"knives",
            r"knifed",
            r"slash(?:ed|ing)",
            r"scalpel",
            r"murder(?:ed|s|er)?",
            r"homicides?",
            r"killed",
            r"killing(?:s| spree)?",
            r"serial killer",
            r"(?:people|person|kids?|students?|\d+) (?:died|dead|killed|hurt|injured|wounded)",
            r"dead bodies",
            r"stretchers?",
            r"casualt(?:y|ies)",
            r"massacre",
            r"bloodbath",
            r"attacked",
            r"assaulted",
            r"cuchillos?",
            r"navaja",
            r"kutsilyo",
            r"saksak",
        ),
    ),
    Harm(
        "stabbing",
        0.9,
        "a stabbing or deadly attack",
        _phrases("持刀", "刺伤", "刺傷", "死亡", "砍人", "拿刀", "砍", "杀人", "殺人"),
    ),
    Harm(
        "threat",
        0.7,
        "a threat of violence",
        _words(
            r"threats?",
            r"threaten(?:ed|ing|s)?",
            r"terror\w*",
            r"attack planned",
            r"planning an attack",
            r"amenaza\w*",
            r"đe dọa",
            r"banta",
            r"pagbabanta",
            r"gang (?:war|wars|fight|shooting|violence|shootout)",
            r"riots?",
            r"rioting",
            r"stampede",
            r"brawl",
            r"hit list",
            r"swatt(?:ed|ing)",
            r"dangerous (?:suspect|man|person)",
            r"(?:suspect|shooter|gunman|attacker|killer) (?:is )?(?:still )?"
            r"(?:at large|on the loose|loose)",
            r"still (?:at large|loose|on the loose)",
            r"manhunt",
            r"swat (?:team|teams|truck)",
        ),
    ),
    Harm("threat", 0.7, "a threat of violence", _phrases("威胁", "威脅", "恐怖")),
    Harm(
        "emergency_order",
        0.6,
        "an emergency order (curfew, evacuation, lockdown)",
        _words(
            r"curfew",
            r"evacuat\w*",
            r"shelter[- ]in[- ]place",
            r"lock ?down",
            r"locked down",
            r"stay (?:inside|indoors|home)",
            r"martial law",
            r"toque de queda",
            r"evacu\w*",
            r"confinamiento",
            r"giới nghiêm",
            r"sơ tán",
            r"phong tỏa",
            r"lumikas",
            r"paglikas",
            r"local emergency",
            r"state of emergency",
            r"house-to-house search\w*",
            r"avoid all (?:large )?gatherings",
            r"keep (?:your )?(?:pets and )?(?:children|kids) inside",
            r"stay off the roads",
        ),
    ),
    Harm(
        "emergency_order",
        0.6,
        "an emergency order (curfew, evacuation, lockdown)",
        _phrases("宵禁", "疏散", "封锁", "封鎖", "撤离", "撤離", "就地避难"),
    ),
)

#: Innocent uses of violent words: removed before harms are looked for.
INNOCENT_USES = _words(
    r"shooting (?:photos?|pics?|pictures|a (?:music )?video|videos?|hoops|the breeze|stars|"
    r"film|a film|footage|portraits|b-roll)",
    r"photo ?shoots?",
    r"shoot(?:ing)? (?:me )?a (?:text|message|dm)",
    r"killer (?:ride|deal|view|set|show|burger|burrito)",
    r"(?:killing|killed) it",
    r"da bomb",
    r"bomb(?:ed)? (?:burrito|ass|tacos?|pizza|food|dot com)",
    r"photobomb\w*",
    r"dead (?:tired|serious)",
    r"bath ?bombs?",
    r"f-?bombs?",
    r"drop the bomb",
    r"(?:defen[cs]e|offen[cs]e|team|niners|49ers|warriors|sharks) (?:got )?(?:slaughtered|killed|"
    r"destroyed|massacred)",
    r"threat level midnight",
    r"triple threat",
    r"fire (?:drill|sale|pit|works|fighters?)",
    r"shooting (?:out|off)",
    r"explosions? of (?:flavou?r|colou?r|joy)",
    r"bomb of a",
    r"(?:estuvo|está|esta|fue) (?:la )?bomba",
    r"(?:shooting|shoot) (?:some |a few )?(?:hoops|baskets|free throws|pool)",
    r"(?:dead|killer) (?:line|week|workout|legs|traffic)",
    r"bombed (?:my|the|that|a|an) (?:test|exam|quiz|interview|midterm|final|audition)",
    r"shots? (?:of )?(?:espresso|tequila|vodka)",
    r"flu shots?",
    r"booster shots?",
    r"vaccine shots?",
    r"screen ?shots?",
    r"mug ?shots?",
    r"shooting (?:stars?|range|guard|a (?:movie|scene|commercial|short|wedding)|percentage|form|"
    r"drills|practice|season|schedule|day|location)",
    r"(?:nerf|water|glue|squirt|toy|paintball|airsoft|staple|nail|heat|foam|bubble) guns?",
    r"gun show",
    r"gun (?:safety|control|laws?|violence prevention|buyback|buy-back|locks?|storage|range)",
    r"(?:killed|died|dead|injured|hurt) in (?:a|the) (?:traffic )?"
    r"(?:collision|crash|accident|fire)",
    r"(?:shot clock|jump shot|free throws?|three-point shot|game-winning shot|long shot|"
    r"took a shot|give it a shot|worth a shot|big shot|hot shot|shot glass)",
    r"jump(?:ed|ing)? the gun",
    r"(?:riding|ride|called) shotgun",
    r"shotgun (?:seat|wedding)",
    r"son of a gun",
    r"top gun",
    r"guns (?:n|and) roses",
    r"bullet (?:points?|journal|train)",
    r"bite the bullet",
    r"dodged a bullet",
    r"silver bullet",
    r"(?:a|what a|such a|had a|having a) blast",
    r"blast(?:ing)? (?:music|the music|the ac|the heat|from the past)",
    r"(?:phone|notifications|post|video|tiktok|twitter|mentions|dms|inbox|group chat) blew up",
    r"blew up (?:my phone|on (?:tiktok|twitter|x|reddit|instagram))",
    r"killing (?:me|time|it)",
    r"killed (?:me|it|the vibe|my vibe)",
    r"(?:is|are|was) killing me",
    r"to die for",
    r"i(?:'?m| am) dead",
    r"i (?:literally )?died",
    r"dying (?:of|laughing|to)",
    r"dead (?:battery|phone|end|last|center)",
    r"(?:phone|battery) (?:is |was )?dead",
    r"(?:heart|panic|asthma|anxiety) attacks?",
    r"(?:lockdown|lock ?down|shelter[- ]in[- ]place|fire|evacuation|bomb threat|active shooter|"
    r"safety|earthquake|emergency) drills?",
    r"active (?:shooter|assailant) (?:awareness|training|class|classes|preparedness|response)",
    r"bomb (?:squad|sniffing|dogs?|pops?|shaped)",
    r"bomb-shaped",
    r"(?:is|was|are) (?:the|da) bomb",
    r"(?:threw|throws|throwing|thrown) a bomb",
    r"dropp(?:ing|ed) a bomb",
    r"bloody murder",
    r"(?:is|was|be) (?:pure |absolute |straight )?murder",
    r"murder (?:mystery|mysteries|podcast|show|documentary|hornets?)",
    r"murdered (?:them|it|us|that|the)",
    r"(?:going to|gonna) (?:murder|kill) (?:me|us)",
    r"shot (?:down|out)",
    r"shoot(?:ing)? (?:my|your|his|her|our) shot",
    r"laser tag",
    r"(?:was|is|a) (?:total |absolute )?massacre",
    r"explosive (?:flavou?rs?|crowd|energy|growth|start)",
    r"explosions? of (?:noise|sound)",
    r"(?:like|an? (?:absolute )?)stampede",
    r"made a killing",
    r"take a bullet for",
    r"weapons? of mass destruction",
    r"(?:is|basically) a weapon",
    r"(?:an? |an absolute |such a )riot",
    r"knife (?:skills|set|sharpening|block)",
    r"butter knife",
    r"photo ?shoots?",
    r"killer (?:app|combo|sale|lineup|playlist|fit|outfit|ride|deal|view|set|show|burger|burrito)",
)

#: An "official" voice: the shape of a notice or order, as impersonators use it.
OFFICIAL_NOTICE = _words(
    r"official (?:notice|alert|announcement|order|statement|update|channel|whatsapp|telegram)",
    r"(?:got|received|getting) (?:a|an|the|this) (?:nixle|alert|text alert|robocall|"
    r"reverse[- ]?911|emergency (?:alert|text)|amber alert|wireless alert)",
    r"wireless emergency alert",
    r"robo ?call",
    r"reverse[- ]?911",
    r"until further notice",
    r"effective immediately",
    r"(?:police|scpd|city) (?:order|notice|directive)",
    r"emergency alert",
    r"by order of",
    r"per (?:the )?(?:scpd|police|city|mayor|chief)",
    r"(?:scpd|santa clara (?:pd|police)|police department|the city|city of santa clara) "
    r"(?:has |have )?(?:advis|order|announc|confirm|declar|instruct|direct|issu|mandat)\w*",
    r"all residents (?:must|are (?:ordered|required|advised))",
    r"residents (?:must|are (?:ordered|required|advised))",
    r"mandatory",
    r"nixle alert",
    r"alerta oficial",
    r"aviso oficial",
    r"thông báo chính thức",
    r"lệnh (?:của )?(?:cảnh sát|thành phố)",
    r"aviso de la policía",
    r"orden (?:de la )?(?:policía|ciudad)",
    r"utos ng (?:pulis|lungsod)",
    r"opisyal na (?:abiso|anunsyo)",
    r"attention all residents",
)

#: Words by which a post says that something did NOT happen or is false.
DENIAL = _words(
    r"no threat",
    r"no (?:credible|active|ongoing|known|immediate) (?:threat|danger|risk|evidence|information)",
    r"not (?:a )?credible",
    r"unsubstantiated",
    r"baseless",
    r"(?:is|are|was|were) (?:false|untrue|not true|unfounded|inaccurate|fake)",
    r"safe to (?:return|go|visit|come back)",
    r"no (?:active )?shooter",
    r"no shooting",
    r"no shots",
    r"no evidence",
    r"no (?:bomb|explosive|danger|injuries)",
    r"not (?:true|real|accurate)",
    r"unfounded",
    r"false (?:alarm|report|rumou?r|information|claim)",
    r"rumou?rs? (?:are|is) false",
    r"all clear",
    r"is safe",
    r"are safe",
    r"there (?:is|was|were) no \w+",
    r"did not happen",
    r"didn't happen",
    r"hoax",
    r"debunk\w*",
    r"misinformation",
    r"fake",
    r"not a shooting",
    r"no (?:one|people|person|students?|kids|injuries|victims) (?:was |were |is |got )?"
    r"(?:hurt|hit|injured|harmed|reported)",
    r"(?:didn'?t|did not|does not|doesn'?t) come from (?:us|them|the (?:department|police|city))",
    r"(?:was|is|were) not (?:from|sent by|issued by) "
    r"(?:us|them|scpd|the (?:police|department|city))",
    r"not (?:an? )?(?:official|real|authorized) (?:alert|notice|message|order)",
    r"fake (?:alert|notice|text|robocall|message|order|account)",
    r"found no(?:thing| \w+)",
    r"no (?:gun|weapon|weapons|bomb|explosives?|device) (?:was |were )?(?:found|located)",
    r"nobody (?:was |is |got )?(?:hurt|hit|injured|harmed)",
    r"turned out (?:to be|it was)",
    r"(?:it|that|this) was (?:just|only) ",
    r"(?:was|were) (?:just |only )?(?:fireworks?|an? (?:illegal )?firework|a transformer|"
    r"a car backfiring|backfir\w*|a (?:fire )?drill|a test|a prank|a balloon)",
    r"(?:nadie|ningún) (?:herido|lastimado)",
    r"era (?:solo |sólo )?(?:el|un|una) ",
    r"không ai bị thương",
    r"walang nasaktan",
    r"ningún peligro",
    r"no hay peligro",
    r"es falso",
    r"không có mối đe dọa",
    r"walang panganib",
    r"no hay (?:amenaza|peligro|tirador)",
    r"falso",
    r"không có",
    r"tin giả",
    r"walang (?:banta|pamamaril)",
    r"hindi totoo",
)

DENIAL_ZH = _phrases("没有", "沒有", "谣言", "謠言", "不实", "不實", "假消息", "并无", "並無")

#: A post that passes on what the Department said.
RELAY = _words(
    r"(?:scpd|santa clara (?:pd|police)|police|the department|officers|the city|city officials?|"
    r"authorities) (?:(?:have|has|just) )?(?:say|says|said|confirm\w*|report\w*|tweeted|"
    r"posted|announced|stated|clarif\w*|update\w*|tell|told)",
    r"according to (?:the )?(?:scpd|police|santa clara (?:pd|police)|the city|officials|"
    r"the department|authorities)",
    r"per (?:the )?(?:scpd|police|santa clara (?:pd|police)|department)",
    r"(?:update|statement|message|word|post|tweet) from (?:scpd|the police|santa clara "
    r"(?:pd|police)|the city|the department)",
    r"(?:scpd|santa clara (?:pd|police)|police)(?: department)?:",
    r"la policía (?:de santa clara )?(?:dice|dijo|confirmó|confirma|informó|aclaró)",
    r"según la policía",
    r"cảnh sát (?:santa clara )?(?:nói|cho biết|xác nhận|thông báo)",
    r"theo cảnh sát",
    r"ayon sa (?:pulis|pulisya|scpd)",
    r"sabi ng (?:pulis|pulisya|scpd)",
    r"(?:police|scpd) update",
    r"via @?santaclarapd",
    r"rt @?santaclarapd",
)

RELAY_ZH = _phrases(
    "警方说", "警方表示", "警方称", "警方確認", "警方确认", "警方證實", "警方证实", "警察说"
)

#: A Department post that mentions a harm only as something people say ("we are aware of
#: posts about a shooting"): it neither confirms nor denies it.
REPORTED = _words(
    r"aware of",
    r"looking into",
    r"reports? (?:of|about)",
    r"posts? (?:about|claiming)",
    r"rumou?rs? (?:of|about)",
    r"claims? (?:of|about|that)",
    r"unconfirmed",
    r"(?:social media|online) (?:posts|reports|claims)",
)

#: Hearsay and unverified sourcing.
HEARSAY = _words(
    r"my (?:cousin|friend|brother|sister|mom|dad|aunt|uncle|coworker|neighbou?r)\w*",
    r"a friend (?:of (?:a|mine)|in|who)",
    r"heard (?:from|that|there)",
    r"someone (?:said|told)",
    r"people (?:are )?saying",
    r"(?:group ?chat|whatsapp|telegram)",
    r"unconfirmed",
    r"(?:rumou?r|reportedly|apparently|allegedly)",
    r"forwarded",
    r"pass (?:it|this) on",
    r"share (?:this|before)",
    r"they (?:aren't|are not|won't) telling",
    r"media (?:isn't|won't)",
)


#: Words that, just before a harm, say it did not happen: "no shooting", "no hubo balacera".
NEGATOR = re.compile(
    r"(?<!\w)(?:so-called|no|not|never|zero|without|wasn'?t|isn'?t|weren'?t|aren'?t|didn'?t|"
    r"no (?:sign|signs|evidence|reports?) of(?: an?| any)?|nothing about(?: an?)?|false|fake|"
    r"hoax|no hubo|no hay|sin|ningún|ninguna|không có|không phải|chẳng có|walang|hindi)"
    # At most two more words, and never across the end of a sentence.
    r"(?:[ \t,'\"“”‘’-]+\w+){0,2}[ \t,'\"“”‘’:-]*$"
)
NEGATOR_ZH = re.compile(r"(?:没有|沒有|不是|并无|並無|并没有|並沒有)\W*\w{0,3}$")

#: Emphasis that looks like a negation but is not: "no joke, shooter at Valley Fair".
EMPHATIC = re.compile(
    r"(?<!\w)(?:no|not) (?:a )?(?:joke|joking|cap|kidding|lie|lying|exaggerating|clickbait|drill|"
    r"test|prank|playing|rumou?r|hoax|fake news|fake)\b|this is not a drill"
)

#: A genuine question: asking whether something happened rather than saying it did.
QUESTION = _words(
    r"is (?:it|this|that|there) (?:true|real|legit|confirmed|an?|any)",
    r"was (?:it|this|that|there) (?:true|real|an?|any)",
    r"(?:does|did|can|could|has) (?:any|some)(?:one|body)",
    r"any ?(?:one|body) (?:know|knows|hear|heard|see|saw|confirm|else|have)",
    r"what(?:'s| is| was)? (?:going on|happening|happened)",
    r"what happened",
    r"(?:true|real|legit|confirmed)\?",
    r"is everything ok",
    r"why (?:are|were|is) (?:there )?(?:so many )?(?:cops|police|helicopters?|ambulances?)",
    r"es (?:cierto|verdad)",
    r"alguien sabe",
    r"qué (?:pasó|está pasando)",
    r"có thật không",
    r"có ai biết",
    r"phải không",
    r"chuyện gì",
    r"totoo ba",
    r"may nakakaalam",
    r"ano(?:ng)? (?:ang )?nangyari",
)
QUESTION_ZH = _phrases(
    "是真的吗", "是真的嗎", "有人知道", "发生了什么", "發生了什麼", "吗？", "嗎？", r"吗\?", r"嗎\?"
)

#: A Department post about an incident that does not name a harm ("police activity").
INCIDENT = _words(
    r"police activity",
    r"avoid the area",
    r"investigat\w*",
    r"incident",
    r"suspicious (?:package|person|item|device|vehicle|circumstances)",
    r"reports? of",
    r"responding to",
    r"(?:officers|police) (?:are )?on scene",
    r"medical emergency",
    r"welfare check",
    r"actividad policial",
    r"hoạt động của cảnh sát",
)
