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
   reads most of the page most surely winning. A rotated photo is turned upright.
3. Each script has its passes: Latin one pass with English, Spanish, Vietnamese and
   Tagalog together (they share most letters; the engine picks per word); Han one pass
   each for simplified and traditional Chinese, the more confident kept.
4. What is not the post is dropped (:func:`post_lines`): the status bar, buttons, tab bar,
   times and counters — lines in a size other than the text's, or made only of an app's
   words.

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
from dataclasses import dataclass, field
from functools import cache
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
#: The order scripts are tried in when ``osd`` cannot tell.
FALLBACK_SCRIPTS = ("Latin", "Han", "Hangul", "Devanagari")
DEBIAN_PACKAGES = "tesseract-ocr " + " ".join(
    f"tesseract-ocr-{lang.replace('_', '-')}" for lang in LANGUAGES
)
TIMEOUT_SECONDS = 60


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
            score = _confident_ink(words)
            if best is None or score > best[0]:
                best = (score, usable, words, name)
        if best is not None and _unread(best[2]) < MOSTLY_READ:
            break  # this script reads nearly all of the text: no need to try the others
    if best is None:
        raise OcrUnavailable(check_engine() or "no language pack for this script is installed")
    score, langs, words, chosen = best
    steps = [*plain.steps, *turned]
    if _unread(words) >= MOSTLY_READ:
        # Some text was unsure: a photo, a bubble, uneven light. The thorough preparation
        # is read in the same languages, and whichever reads more, more surely, is kept.
        thorough = prepare(image, thorough=True)
        page = (
            thorough.image.rotate(-rotate, expand=True, fillcolor=255)
            if rotate
            else (thorough.image)
        )
        again = _read(page, langs)
        if _confident_ink(again) > score:
            words, steps = again, [*thorough.steps, *turned]
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
    (hOCR's ``x_size``: the engine's own estimate of the line's font size in pixels)."""
    tesseract = _pytesseract()
    try:
        hocr = tesseract.image_to_pdf_or_hocr(
            page, lang=langs, config="--psm 3", extension="hocr", timeout=TIMEOUT_SECONDS
        )
    except tesseract.TesseractError as exc:
        raise OcrFailed(f"Tesseract could not read the image ({exc.message[:200]})") from None
    except RuntimeError as exc:  # pytesseract's "Tesseract process timeout"
        raise OcrFailed(f"Tesseract: {exc}") from None
    return hocr_words(hocr)


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


def _confident_ink(words: Sequence[Word]) -> float:
    """How much of the page a pass read, and how surely: word confidence times width in
    pixels, summed. A pass in the wrong script reads the app's English chrome well and
    the post as noise or not at all; the right one reads both."""
    return sum(w.confidence * w.width for w in words if w.confidence >= NOISE)


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
_CLOCK = re.compile(r"^\d{1,2}[:.]\d{2}$")


def post_words(words: Sequence[Word], *, width: int = 0) -> tuple[list[Word], list[str]]:
    """The words of the post, and the lines dropped as the phone's chrome.

    * icons and avatars read as letters are noise (very low confidence);
    * a status bar at the top (a clock) and the app's title bar just under it go;
    * the post's text is the size most of the text is in (weighted by width): the
      author's line, buttons, counters and timestamps are smaller or larger;
    * lines made only of an app's words ("Like Comment Share", "9:41", "214 · 87") go.
    """
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        if word.confidence >= NOISE:
            lines.setdefault(word.line, []).append(word)
    if not lines:
        return [], [w.text for w in words]
    app_bar_end = _app_bar_end(lines.values(), width)
    chrome = {
        key
        for key, members in lines.items()
        if all(_CHROME_WORD.match(w.text.strip(".,:;!?·•")) for w in members)
        or min(w.top + w.height / 2 for w in members) < app_bar_end
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
        elif _is_cjk(joined[-1]) and _is_cjk(line[0]):
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
