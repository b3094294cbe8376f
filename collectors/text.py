"""Post text as plain text and links as absolute http(s) URLs — nothing else leaves here.

Feeds carry HTML, entities and odd whitespace; the dashboard, the classifier and the
exports all want the words a person would read. Anything that is not an http(s) link
(``javascript:``, ``data:``, relative paths that cannot be resolved) is dropped.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

#: Longest text we keep for one post; longer bodies are cut (the raw payload keeps all).
MAX_TEXT_CHARS = 20_000
_INVISIBLE = ("script", "style", "noscript", "template", "head", "title", "iframe", "object")
_BLOCK = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: tags stripped, entities decoded, whitespace folded."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return normalise_whitespace(markup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_INVISIBLE):
        tag.decompose()
    for tag in soup.find_all(_BLOCK):
        tag.insert_before("\n")
    return normalise_whitespace(soup.get_text(" "))


def normalise_whitespace(text: str) -> str:
    """NFC, no control characters, single spaces, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text
    )
    text = _SPACES.sub(" ", text.replace("\r", "\n"))
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text[:MAX_TEXT_CHARS]


def safe_url(link: str | None, base: str | None = None) -> str | None:
    """``link`` made absolute against ``base``; ``None`` unless it is http(s) with a host."""
    if not link:
        return None
    link = link.strip()
    absolute = urljoin(base, link) if base else link
    parts = urlsplit(absolute)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def join_title_and_body(title: str, body: str) -> str:
    """Title and body as one text, without saying the same thing twice."""
    if not body or body == title or body.startswith(title) and len(title) > 3:
        return body or title
    if not title or title.startswith(body):
        return title or body
    return f"{title}\n\n{body}"
