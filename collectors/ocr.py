"""Text from a screenshot, in the languages of Santa Clara, with Tesseract.

The policy's procedure is "take a screenshot and forward it": the screenshot alone must
become text that can be scored, clustered and searched. Tesseract (Debian's
``tesseract-ocr`` with the ``eng spa vie chi-sim chi-tra kor fil hin`` language packs,
installed by ``make run`` and CI) is called through pytesseract, one subprocess per pass.

1. The image is prepared (:mod:`rumordesk.collectors.ocr_image`: dark mode, bubbles,
   uneven light, small screenshots).
2. The script is detected (Tesseract's ``osd``): when it names Han, Hangul or
   Devanagari, that script's passes run; when it says Latin (the apps' own words are
   Latin, so it often does under a Chinese post) or cannot tell, the Latin pass runs
   first and the other scripts' passes only when it leaves text unsure, the pass that
   reads most of the page most surely winning (unsure words count against a pass). A
   rotated photo is turned upright.
3. Each script has its passes, each reading the page as one column of lines (what a
   phone shows): Latin one pass with English, Spanish, Vietnamese and Tagalog together
   (they share most letters; the engine picks per word), read again with Vietnamese
   alone when the text has letters only Vietnamese writes (English first strips the
   marks off "vì", "Mọi"); Han one pass each for simplified and traditional Chinese, the
   more confident kept. Beside English, the engine reads some Chinese or Korean words as
   English letters: those are read again with the script's pack alone
   (:func:`reread_latin`).
4. What is not the post is dropped (:func:`post_words`): the status bar, buttons, tab bar,
   times and counters — lines in a size other than the text's, made only of an app's
   words, or of icons read as letters.
5. Words are joined where the engine's own text has no blank between them (:func:`glue`),
   so Korean keeps its word spacing; Chinese is joined without spaces.

The result carries the engine's version, the languages of the winning pass, the mean word
confidence (0–1, weighted by length) and the preparation steps. A machine without
Tesseract raises :class:`OcrUnavailable` with what to install; callers keep the report.
"""

from __future__ import annotations

import io
import os
import re
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from PIL import Image

from rumordesk.base.errors import RumorDeskError
from rumordesk.collectors.ocr_image import prepare

# Tesseract's OpenMP threads fight each other on a small shared machine; one per process.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

#: Tesseract's language packs for the languages of Santa Clara (Debian: tesseract-ocr-*).
LANGUAGES = ("eng", "spa", "vie", "fil", "chi_sim", "chi_tra", "kor", "hin")
#: The passes for each script ``osd`` can name; English rides along for names and places.
SCRIPT_PASSES: dict[str, tuple[str, ...]] = {
    "Latin": ("eng+spa+vie+fil",),
    "Han": ("chi_sim+eng", "chi_tra+eng"),
    "Hangul": ("kor+eng",),
    "Devanagari": ("hin+eng",),
}
#: A pass that leaves less than this share of the text (by width) unsure is kept without
#: trying the other scripts.
MOSTLY_READ = 0.08
#: Vietnamese is read with its own pack alone once the Latin pass shows it is Vietnamese.
VIETNAMESE = "vie"
#: Letters no other language of Santa Clara written in Latin letters uses (ă â đ ê ô ơ ư,
#: and the vowels with a tone mark under or a hook above them).
_VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")
#: The order scripts are tried in when ``osd`` cannot tell.
FALLBACK_SCRIPTS = ("Latin", "Han", "Hangul", "Devanagari")
DEBIAN_PACKAGES = "tesseract-ocr " + " ".join(
    f"tesseract-ocr-{lang.replace('_', '-')}" for lang in LANGUAGES
)
TIMEOUT_SECONDS = 60
#: Tesseract's page segmentation: 4, one column of text in lines of varying size, which
#: is what a phone shows. The automatic layout (3) took a chat bubble for a picture and
#: left its text out (a whole conversation, in Korean chats).
PAGE_SEGMENTATION = 4


class OcrUnavailable(RumorDeskError):
    """No OCR engine here (or a language pack is missing): the typed text must do."""


class OcrFailed(RumorDeskError):
    """The engine ran but could not read this image."""


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    confidence: float
    block: int
    line: tuple[int, int, int]
    #: The line's text size in pixels (the engine's estimate for the whole line).
    size: float
    top: int = 0
    width: int = 0
    height: int = 0
    left: int = 0
    #: Whether the engine wrote this word right after the one before it, without a blank
    #: (``None``: not known, the gap on the page decides).
    glued: bool | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    """What the engine read, and how sure it was."""

    text: str
    #: The languages of the pass kept, in Tesseract's names ("chi_tra+eng").
    languages: str
    #: Mean word confidence, 0–1, weighted by word length.
    confidence: float
    engine: str
    script: str | None
    steps: tuple[str, ...] = ()
    seconds: float = 0.0
    #: Lines dropped as the phone's chrome (status bar, buttons, counters).
    dropped: tuple[str, ...] = field(default=())


def _pytesseract() -> Any:
    try:
        import pytesseract
    except ImportError:  # pragma: no cover - a declared dependency
        raise OcrUnavailable(
            "the pytesseract package is missing; reinstall Rumor Desk (make run)"
        ) from None
    return pytesseract


@cache
def engine_version() -> str:
    """``"tesseract 5.3.0"``; :class:`OcrUnavailable` when it is not installed."""
    tesseract = _pytesseract()
    try:
        version = tesseract.get_tesseract_version()
    except (tesseract.TesseractNotFoundError, OSError):
        raise OcrUnavailable(
            "screenshot text cannot be read: Tesseract is not installed "
            f"(Debian/Ubuntu: apt-get install {DEBIAN_PACKAGES}); the typed text is used"
        ) from None
    return f"tesseract {version}"


@cache
def installed_languages() -> frozenset[str]:
    engine_version()
    return frozenset(_pytesseract().get_languages(config=""))


def missing_languages() -> list[str]:
    """Language packs of :data:`LANGUAGES` (and ``osd``) that are not installed."""
    have = installed_languages()
    return [lang for lang in (*LANGUAGES, "osd") if lang not in have]


def check_engine() -> str | None:
    """``None`` when OCR can run in every language; else what is wrong, for a person."""
    try:
        engine_version()
        missing = missing_languages()
    except OcrUnavailable as exc:
        return str(exc)
    if missing:
        packs = " ".join(f"tesseract-ocr-{m.replace('_', '-')}" for m in missing)
        return f"Tesseract lacks the language data {', '.join(missing)} (apt-get install {packs})"
    return None


def extract_text(data: bytes, *, languages: Iterable[str] | None = None) -> Extracted:
    """The post's text in the screenshot ``data`` (PNG, JPEG or WebP bytes)."""
    started = time.perf_counter()
    engine = engine_version()
    have = installed_languages()
    allowed = set(languages or LANGUAGES) & have
    if not allowed:
        raise OcrUnavailable(check_engine() or "no OCR language pack is installed")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image = opened.copy()
    except (OSError, ValueError, Image.DecompressionBombWarning) as exc:
        raise OcrFailed(f"the image cannot be read ({exc})") from None
    plain = prepare(image, thorough=False)
    page = plain.image
    script, rotate = _script(_below_top_bars(page)) if "osd" in have else (None, 0)
    turned: list[str] = []
    if rotate:
        page = page.rotate(-rotate, expand=True, fillcolor=255)
        turned.append(f"turned {rotate}°")
    # osd naming another script than Latin is strong evidence (the apps' own words are
    # Latin); "Latin" is not: Chinese under English app chrome reads as Latin to it.
    sure = script in SCRIPT_PASSES and script != "Latin"
    order = [script] if sure else list(FALLBACK_SCRIPTS)
    best: tuple[float, str, list[Word], str] | None = None
    for name in order:
        for langs in SCRIPT_PASSES[name]:
            usable = "+".join(x for x in langs.split("+") if x in allowed)
            if not usable or (best is not None and usable == best[1]):
                continue
            words = _read(page, usable)
            score = _reading_score(words)
            if best is None or score > best[0]:
                best = (score, usable, words, name)
        if best is not None and _unread(best[2]) < MOSTLY_READ:
            break  # this script reads nearly all of the text: no need to try the others
    if best is None:
        raise OcrUnavailable(check_engine() or "no language pack for this script is installed")
    score, langs, words, chosen = best
    latin_text = _text(post_words(words, width=page.width)[0]) if chosen == "Latin" else ""
    if VIETNAMESE in allowed and langs != VIETNAMESE and is_vietnamese(latin_text):
        # with English first, a word that is also an English one loses its marks ("vì"
        # read "vi", "Mọi" "Moi"): Vietnamese is read again with its own pack alone
        words, langs = _read(page, VIETNAMESE), VIETNAMESE
        score = _reading_score(words)
    steps = [*plain.steps, *turned]
    if _unread(words) >= MOSTLY_READ:
        # Some text was unsure: a photo, a bubble, uneven light. The thorough preparation
        # is read in the same languages, and whichever reads more, more surely, is kept.
        thorough = prepare(image, thorough=True)
        thorough_page = (
            thorough.image.rotate(-rotate, expand=True, fillcolor=255)
            if rotate
            else (thorough.image)
        )
        again = _read(thorough_page, langs)
        if _reading_score(again) > score:
            words, steps, page = again, [*thorough.steps, *turned], thorough_page
    kept, dropped = post_words(words, width=page.width)
    solo = langs.split("+")[0]
    post_lines = {w.line for w in kept}
    if (
        chosen in SCRIPT_LETTERS
        and "+" in langs
        and any(_latin_only(w.text) and w.line in post_lines for w in words)
    ):
        # With English beside it the engine reads some of the script's words as English
        # letters ("총격범이" as "SA HO]"): the script's pack alone reads them again, and
        # a Latin word is replaced where that reading is in the script and surer.
        words = reread_latin(words, _read(page, solo), SCRIPT_LETTERS[chosen])
        kept, dropped = post_words(words, width=page.width)
    return Extracted(
        text=_text(kept),
        languages=langs,
        confidence=round(_confidence(kept), 3),
        engine=engine,
        script=chosen,
        steps=tuple(steps),
        seconds=round(time.perf_counter() - started, 3),
        dropped=tuple(dropped),
    )


def is_vietnamese(text: str) -> bool:
    """Text with letters only Vietnamese writes: at least three, and one letter in twenty
    (a few misread marks in Spanish or Tagalog are not enough)."""
    letters = sum(c.isalpha() for c in text)
    marked = len(_VIETNAMESE_LETTER.findall(text))
    return marked >= 3 and marked >= 0.05 * letters


#: The letters of each script but Latin (Chinese characters, Hangul syllables, Devanagari).
SCRIPT_LETTERS = {
    "Han": re.compile(r"[\u3400-\u9fff]"),
    "Hangul": re.compile(r"[\uac00-\ud7af]"),
    "Devanagari": re.compile(r"[\u0900-\u097f]"),
}
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _latin_only(text: str) -> bool:
    """A word of Latin letters with no letter of another script."""
    return bool(_LATIN_LETTER.search(text)) and not any(
        letters.search(text) for letters in SCRIPT_LETTERS.values()
    )


def reread_latin(
    words: Sequence[Word], solo: Sequence[Word], letters: re.Pattern[str]
) -> list[Word]:
    """``words`` with each run of words in Latin letters replaced by what the script's
    pack alone (``solo``) read between the run's neighbours in its line, when all of that
    is in the script (``letters``) and read more surely; an English name stays English.
    (The engine's boxes for Hangul are loose, so the run's place is taken between its
    neighbours rather than from its own boxes.)"""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    out: list[Word] = []
    for members in lines.values():
        ordered = sorted(members, key=lambda w: w.left)
        index = 0
        while index < len(ordered):
            if not _latin_only(ordered[index].text):
                out.append(ordered[index])
                index += 1
                continue
            end = index
            while end < len(ordered) and _latin_only(ordered[end].text):
                end += 1
            run = ordered[index:end]
            start = ordered[index - 1].left + ordered[index - 1].width if index else -1
            stop = ordered[end].left if end < len(ordered) else 10**9
            under = sorted(
                (
                    s
                    for s in solo
                    if start <= s.left + s.width / 2 <= stop and any(_same_row(s, w) for w in run)
                ),
                key=lambda s: s.left,
            )
            surer = under and _mean_confidence(under) > _mean_confidence(run)
            if surer and all(letters.search(s.text) for s in under):
                home = run[0]
                out += [replace(s, block=home.block, line=home.line, size=home.size) for s in under]
            else:
                out += run
            index = end
    return out


def _mean_confidence(words: Sequence[Word]) -> float:
    return sum(w.confidence for w in words) / len(words)


def _same_row(a: Word, b: Word) -> bool:
    return max(a.top, b.top) < min(a.top + a.height, b.top + b.height)


def _below_top_bars(page: Image.Image) -> Image.Image:
    """The page without its top sixth of a width (a phone's status bar and the app's title
    bar, in the apps' own, Latin, words), for script detection only; a screenshot too
    short for that is left whole."""
    top = round(APP_BAR * page.width)
    return page.crop((0, top, page.width, page.height)) if page.height > 3 * top else page


_OSD_SCRIPT = re.compile(r"Script:\s*(\w+)")
_OSD_SCRIPT_CONFIDENCE = re.compile(r"Script confidence:\s*([\d.]+)")
_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OSD_CONFIDENCE = re.compile(r"Orientation confidence:\s*([\d.]+)")
#: Below this, osd's script is a guess (Chinese under English app chrome reads "Latin").
SURE_SCRIPT = 2.0


def _script(page: Image.Image) -> tuple[str | None, int]:
    """The script ``osd`` sees (``None`` when unsure, or with too little text to tell)
    and the rotation that makes the page upright."""
    tesseract = _pytesseract()
    try:
        report = tesseract.image_to_osd(page, config="--psm 0", timeout=TIMEOUT_SECONDS)
    except tesseract.TesseractError:
        return None, 0  # "Too few characters": every script's pass decides instead
    found = _OSD_SCRIPT.search(report)
    found_sure = _OSD_SCRIPT_CONFIDENCE.search(report)
    rotate = _OSD_ROTATE.search(report)
    sure = _OSD_CONFIDENCE.search(report)
    degrees = int(rotate.group(1)) if rotate and sure and float(sure.group(1)) >= 2.0 else 0
    if not found or not found_sure or float(found_sure.group(1)) < SURE_SCRIPT:
        return None, degrees
    return found.group(1), degrees


def _read(page: Image.Image, langs: str) -> list[Word]:
    """One pass: the engine's words with their confidence, and each line's text size
    (hOCR's ``x_size``: the engine's own estimate of the line's font size in pixels).

    The same run also writes the engine's plain text, which alone says where the engine
    put a blank between two words (hOCR lists Korean a syllable or two at a time, with
    boxes that do not show the gaps): each word is marked with it (:func:`glue`)."""
    tesseract = _pytesseract()
    module = tesseract.pytesseract
    config = f"--psm {PAGE_SEGMENTATION}"
    try:
        with module.save(page) as (base, filename):
            module.run_tesseract(filename, base, "hocr txt", langs, config, 0, TIMEOUT_SECONDS)
            hocr = Path(f"{base}.hocr").read_bytes()
            plain = Path(f"{base}.txt").read_text(encoding="utf-8")
    except tesseract.TesseractError as exc:
        raise OcrFailed(f"Tesseract could not read the image ({exc.message[:200]})") from None
    except RuntimeError as exc:  # pytesseract's "Tesseract process timeout"
        raise OcrFailed(f"Tesseract: {exc}") from None
    return glue(hocr_words(hocr), plain)


def glue(words: Sequence[Word], plain: str) -> list[Word]:
    """``words`` each marked with whether the engine's plain text ``plain`` has a blank
    before it; unmarked when the two outputs do not spell the same characters."""
    position = 0
    marked: list[Word] = []
    for word in words:
        blank = position == 0
        while position < len(plain) and plain[position].isspace():
            blank, position = True, position + 1
        if not plain.startswith(word.text, position):
            return list(words)
        marked.append(replace(word, glued=not blank))
        position += len(word.text)
    return marked


_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_WCONF = re.compile(r"x_wconf (\d+)")
_XSIZE = re.compile(r"x_size ([\d.]+)")
_LINE_CLASSES = {"ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat"}


def hocr_words(hocr: bytes) -> list[Word]:
    """The words of a Tesseract hOCR page, each with its block, line and line size."""
    root = ElementTree.fromstring(hocr)
    words: list[Word] = []
    block = 0
    for area in root.iter():
        if _klass(area) != "ocr_carea":
            continue
        block += 1
        paragraphs = [e for e in area.iter() if _klass(e) == "ocr_par"] or [area]
        for par, paragraph in enumerate(paragraphs):
            words += _paragraph_words(paragraph, block, par)
    return words


def _paragraph_words(paragraph: Any, block: int, par: int) -> list[Word]:
    """The words of one hOCR paragraph (``ocr_par``), keyed by block, paragraph, line."""
    words: list[Word] = []
    for number, line in enumerate(e for e in paragraph.iter() if _klass(e) in _LINE_CLASSES):
        title = line.get("title") or ""
        size_match = _XSIZE.search(title)
        for word in line.iter():
            if _klass(word) != "ocrx_word":
                continue
            text = "".join(word.itertext()).strip()
            word_title = word.get("title") or ""
            box = _BBOX.search(word_title)
            confidence = _WCONF.search(word_title)
            if not text or not box or not confidence:
                continue
            x0, y0, x1, y1 = (int(v) for v in box.groups())
            size = float(size_match.group(1)) if size_match else float(y1 - y0)
            words.append(
                Word(
                    text,
                    int(confidence.group(1)) / 100,
                    block,
                    (block, par, number),
                    size,
                    y0,
                    x1 - x0,
                    y1 - y0,
                    x0,
                )
            )
    return words


def _klass(element: Any) -> str:
    return element.get("class") or ""


def _unread(words: Sequence[Word]) -> float:
    """The share of the text's width read with little confidence (noise, or a script the
    pass does not know)."""
    total = sum(w.width for w in words)
    return sum(w.width for w in words if w.confidence < 0.6) / total if total else 1.0


def _reading_score(words: Sequence[Word]) -> float:
    """How much of the page a pass read, and how surely: each word's width times its
    confidence above an even chance (0.5), summed. A pass in the wrong script reads the
    app's English chrome well and the post as many unsure words, which count against it
    (counting them as nothing let a Latin pass's guesses at Devanagari outscore the
    Devanagari pass); the right one reads both surely."""
    return sum((w.confidence - 0.5) * w.width for w in words)


#: Lines made only of an app's own words, times and counters (not the post).
_CHROME_WORD = re.compile(
    r"^(?:like[sd]?|comment[s]?|share[sd]?|reply|replies|repost(?:s|ed)?|send|message|"
    r"follow(?:ing)?|more|see|translation|translate|edited|sponsored|home|search|"
    r"notifications?|menu|chats?|calls?|groups?|marketplace|reactions?|views?|"
    r"me gusta|comentar|compartir|responder|thích|bình luận|chia sẻ|trả lời|"
    r"nextdoor|facebook|instagram|whatsapp|messenger|telegram|wechat|x|twitter|tiktok|"
    r"lte|[345]g|wi-?fi|am|pm|ago|now|just|min|mins|h|hr|hrs|d|w|yesterday|today|"
    r"[\d.,:;%·•|/()+#*=<>~kmb-]+)$",
    re.IGNORECASE,
)
#: A line this much smaller or larger than the text's own size is not the post.
SIZE_BAND = (0.84, 1.25)
#: A word read with less confidence than this is noise (an avatar, an icon, a border).
NOISE = 0.30
#: How far below a status bar (as a share of the screen's width) an app's title bar ends.
APP_BAR = 0.16
#: A "word" of brackets and strokes alone is a bubble's or a card's border read as text.
_BORDER = re.compile(r"^[\[\](){}|\\/]+$")
_CLOCK = re.compile(r"^\d{1,2}[:.]\d{2}$")


def post_words(words: Sequence[Word], *, width: int = 0) -> tuple[list[Word], list[str]]:
    """The words of the post, and the lines dropped as the phone's chrome.

    * icons and avatars read as letters are noise (very low confidence);
    * a status bar at the top (a clock) and the app's title bar just under it go;
    * the post's text is the size most of the text is in (weighted by width): the
      author's line, buttons, counters and timestamps are smaller or larger;
    * lines made only of an app's words ("Like Comment Share", "9:41", "214 · 87") go;
    * a row of icons read as letters (a tab bar: "O O O O O") goes;
    * a word the engine read twice over the same ink in one line is kept once.
    """
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        if word.confidence >= NOISE and not _BORDER.match(word.text):
            lines.setdefault(word.line, []).append(word)
    if not lines:
        return [], [w.text for w in words]
    lines = {key: _once(members) for key, members in lines.items()}
    app_bar_end = _app_bar_end(lines.values(), width)
    chrome = {
        key
        for key, members in lines.items()
        if all(_is_chrome_word(w.text) for w in members)
        or min(w.top + w.height / 2 for w in members) < app_bar_end
        or _icons(members)
    }
    text_lines = [m for key, m in lines.items() if key not in chrome] or list(lines.values())
    # weighed by the square of each line's surely read width: the post's long lines
    # decide, however many short lines of chrome the filters above did not recognise
    size = _weighted_median([(_line_size(m), _sure_width(m) ** 2) for m in text_lines])
    low, high = SIZE_BAND[0] * size, SIZE_BAND[1] * size
    chrome |= _bylines(lines)
    # A line of a paragraph that has a line in the post's size, below that line, is the
    # post's too: a short last line, whose size the engine estimates from a few letters.
    first_in_size: dict[tuple[int, int], int] = {}
    for key, members in lines.items():
        if key not in chrome and low <= _line_size(members) <= high:
            top = min(w.top for w in members)
            first_in_size[key[:2]] = min(top, first_in_size.get(key[:2], top))
    kept: list[Word] = []
    dropped: list[str] = []
    for key, members in lines.items():
        said = " ".join(w.text for w in members)
        start_of_post = first_in_size.get(key[:2])
        if key in chrome or start_of_post is None or min(w.top for w in members) < start_of_post:
            dropped.append(said)
        else:
            kept += members
    return kept, dropped


#: What separates an app's words and counters ("214 reactions · 87 comments"), and what a
#: photo makes of the dot between them.
_SEPARATORS = re.compile(r"[.,:;!?·•ㆍ・‘’'\"“”]+")


def _is_chrome_word(text: str) -> bool:
    """An app's word, a time or a counter, or several of them read as one word
    ("reactions.87"), or a separator alone."""
    return all(_CHROME_WORD.match(part) for part in _SEPARATORS.split(text) if part)


#: Icons in a row stand further apart than this many times the line's size.
ICON_GAP = 1.0


def _icons(members: Sequence[Word]) -> bool:
    """A row of icons read as letters: three or more words of one or two characters
    ("O", "L)"), each far from the next (no script writes such words that far apart)."""
    if len(members) < 3 or any(len(w.text) > 2 for w in members):
        return False
    ordered = sorted(members, key=lambda w: w.left)
    gaps = [b.left - (a.left + a.width) for a, b in zip(ordered, ordered[1:], strict=False)]
    return min(gaps) > ICON_GAP * members[0].size


def _once(members: list[Word]) -> list[Word]:
    """The line without a word read a second time over the same ink (Tesseract's
    Devanagari model can return a line's words twice, the copies overlapping)."""
    kept: list[Word] = []
    for word in members:
        if not any(w.text == word.text and _overlap(w, word) > 0.5 for w in kept):
            kept.append(word)
    return kept


def _overlap(a: Word, b: Word) -> float:
    """The share of the narrower word's width that the two words' boxes share."""
    shared = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    return max(shared, 0) / max(min(a.width, b.width), 1)


#: A byline's time: "12 min", "2h", "3 hrs ago", "Yesterday at 4:10 PM", "Just now".
_WHEN = re.compile(
    r"(?<!\w)(\d{1,2}\s?(?:s|m|min|mins|h|hr|hrs|d|w|wk|mo|y)\b|\d+\s+\w+\s+ago\b|"
    r"yesterday|just now|hace \d+|\d+\s?(?:phút|giờ|ngày))",
    re.IGNORECASE,
)


def _bylines(lines: Mapping[tuple[int, int, int], Sequence[Word]]) -> set[tuple[int, int, int]]:
    """The author's line and the time under (or beside) it: a short line with a time
    ("Santa Clara · 12 min", "@sam · 2h"), and the short line just above it (the name)."""
    ordered = sorted(lines, key=lambda key: min(w.top for w in lines[key]))
    found: set[tuple[int, int, int]] = set()
    for index, key in enumerate(ordered):
        members = lines[key]
        said = " ".join(w.text for w in members)
        if len(members) <= 8 and _WHEN.search(said):
            found.add(key)
            if index and len(lines[ordered[index - 1]]) <= 4:
                above = lines[ordered[index - 1]]
                gap = min(w.top for w in members) - max(w.top + w.height for w in above)
                if gap < 2 * max(w.height for w in members):
                    found.add(ordered[index - 1])
    return found


def _app_bar_end(lines: Iterable[Sequence[Word]], width: int) -> float:
    """Where the app's title bar ends, when the screenshot begins with a status bar (a
    clock in the first line); 0 when it does not (a cropped screenshot keeps all)."""
    ordered = sorted(lines, key=lambda members: min(w.top for w in members))
    if not ordered or not width:
        return 0.0
    first = ordered[0]
    if not any(_CLOCK.match(w.text) for w in first):
        return 0.0
    bottom = max(w.top + w.height for w in first)
    return bottom + APP_BAR * width


def _sure_width(members: Sequence[Word]) -> int:
    return sum(w.width for w in members if w.confidence >= 0.6)


def _weighted_median(pairs: Sequence[tuple[float, float]]) -> float:
    """The value at half the total weight (here: the text size of half the text's width,
    so a long post outweighs many short buttons, in any script)."""
    ordered = sorted(pairs)
    half = sum(weight for _, weight in ordered) / 2
    running = 0.0
    for value, weight in ordered:
        running += weight
        if running >= half:
            return value
    return ordered[-1][0] if ordered else 0.0


def _line_size(members: Sequence[Word]) -> float:
    return members[0].size


def _confidence(words: Sequence[Word]) -> float:
    total = sum(len(w.text) for w in words)
    if not total:
        return 0.0
    return sum(w.confidence * len(w.text) for w in words) / total


#: The engine's word breaks inside Chinese and Korean are not the writer's (Korean comes
#: back a syllable at a time): Chinese characters are joined; Hangul syllables, and a Latin
#: word beside Chinese, when the gap is narrower than this share of the line's text size.
JOIN_GAP = 0.2


def _text(words: Sequence[Word]) -> str:
    """Words joined into lines, lines into one paragraph per block; Chinese and Korean
    spaced by the gaps on the page, not by the engine's word breaks."""
    blocks: dict[int, list[str]] = {}
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    for (block, _, _), members in lines.items():
        blocks.setdefault(block, []).append(_join_words(members))
    return "\n".join(_join_lines(parts) for parts in blocks.values()).strip()


def _join_words(members: Sequence[Word]) -> str:
    joined = ""
    previous: Word | None = None
    for word in sorted(members, key=lambda w: w.left):
        if previous is None:
            joined = word.text
        else:
            gap = word.left - (previous.left + previous.width)
            close = gap < JOIN_GAP * word.size
            before, after = joined[-1], word.text[0]
            if _is_han(before) and _is_han(after):
                joined += word.text  # Chinese is written without spaces
            elif word.glued is not None:
                joined += word.text if word.glued else " " + word.text
            elif close and (_is_cjk(before) or _is_cjk(after)):
                joined += word.text  # Hangul syllables, or a Latin name inside Chinese
            else:
                joined += " " + word.text
        previous = word
    return joined


def _join_lines(lines: list[str]) -> str:
    joined = ""
    for line in lines:
        if not joined:
            joined = line
        elif _is_han(joined[-1]) and _is_han(line[0]):
            joined += line
        else:
            joined += " " + line
    return joined


def _is_han(character: str) -> bool:
    """Chinese characters, kana and full-width punctuation: never a space between."""
    return "\u3000" <= character <= "\u9fff" or "\uff00" <= character <= "\uffef"


def _is_cjk(character: str) -> bool:
    """Chinese, kana, Hangul and full-width forms: scripts written without spaces between
    characters (Korean has spaces between words, which the gaps keep)."""
    return (
        "\u3000" <= character <= "\u9fff"
        or "\uac00" <= character <= "\ud7af"
        or "\uff00" <= character <= "\uffef"
    )
