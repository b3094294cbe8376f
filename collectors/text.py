"""Post text as plain text — nothing else leaves here.

Feeds carry HTML, entities and odd whitespace; the dashboard, the classifier and the
exports all want the words a person would read. Links go through
:func:`rumordesk.base.urls.safe_url` (absolute http(s) only).
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

#: Longest text we keep for one post; longer bodies are cut (the raw payload keeps all).
MAX_TEXT_CHARS = 20_000
#: Elements whose content a reader never sees. Not ``object``: its children are the fallback
#: a reader does see, and an unclosed ``<object>`` would otherwise hide the rest of the post.
_INVISIBLE = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "iframe", "svg", "math"}
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "ul",
        "ol",
    }
)
_CELLS = frozenset({"td", "th"})
#: What is left of a tag after extraction: markup that was escaped once too often.
_TAG_LIKE = re.compile(r"<[A-Za-z!/?]")
_LEFTOVER_TAG = re.compile(r"<[A-Za-z!/?][^<>]*>?")
#: Feeds escape HTML twice (or more); each pass undoes one level.
_MAX_PASSES = 3
#: C0/C1 controls except tab and newline, bidi overrides/isolates (used to disguise text), BOM.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"\w+")


class _VisibleText(HTMLParser):
    """Collects the text a reader would see; entities are decoded by the parser itself."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        else:
            self._separate(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._separate(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        else:
            self._separate(tag)

    def _separate(self, tag: str) -> None:
        """Blocks break lines and cells are spaced; inline tags join (``un<i>til</i>``)."""
        if self.hidden:
            return
        if tag in _BLOCK:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: tags stripped, entities decoded, whitespace folded.

    Text that still holds tags after one pass was escaped twice by its feed (it arrives as
    ``&lt;script&gt;``); it is read again, so no tag reaches the store as text either.
    """
    if not markup:
        return ""
    text = markup
    for _ in range(_MAX_PASSES):
        if "<" not in text and "&" not in text:
            break
        text = _visible_text(text)
        if not _TAG_LIKE.search(text):
            break
    else:
        text = _LEFTOVER_TAG.sub(" ", text)
    return normalise_whitespace(text)


def _visible_text(markup: str) -> str:
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def normalise_whitespace(text: str) -> str:
    """NFC, no control or bidi-override characters, single spaces, paragraphs kept."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text[:MAX_TEXT_CHARS]


def strip_controls(value: str) -> str:
    """``value`` without control or bidi-override characters (an id, a date, a link taken
    from a file: a NUL in one must neither reach the store nor break a parser)."""
    if value.isascii() and value.isprintable():  # the common case, checked in C
        return value
    return _CONTROL.sub("", value)


def join_title_and_body(title: str, body: str) -> str:
    """Title and body as one text, without saying the same thing twice.

    Compared word by word, ignoring case and punctuation: Google News titles read
    "Headline - Source" and their bodies "Headline Source"; Reddit titles are often ".".
    """
    title_words, body_words = _words(title), _words(body)
    if not title_words:
        return body or title
    if not body_words:
        return title or body
    if body_words == title_words or title_words.startswith(body_words + " "):
        return title
    if body_words.startswith(title_words + " "):
        return body
    return f"{title}\n\n{body}"


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))
