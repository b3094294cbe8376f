"""Refuse hostile XML before any parser expands it.

Billion-laughs (nested entity expansion) and external-entity (XXE) payloads both need an
``<!ENTITY>`` declaration. Legitimate news feeds never declare entities, so any
declaration is refused outright: a clear error for that source, never a partial parse.
The check runs defusedxml over the bytes; a document too broken for it is still scanned
for declarations before feedparser's lenient parser may try to recover it. The document is
then judged once more as feedparser will read it: feedparser decodes any encoding that the
server or the document names (UTF-7, EBCDIC, ``unicode_escape``…), and such an encoding
can hide a declaration from every scan of the raw bytes.

A document whose root element is never closed was cut off on its way (a server that
closed the connection early without announcing a length): :func:`ensure_complete_xml`
refuses it, since feedparser would recover its first entries and store them as if the
feed ended there.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import fromstring
from feedparser.encodings import convert_to_utf8

from rumordesk.collectors.errors import BodyIncomplete, FeedRejected

_UTF8_DECLARATIONS = (b"<!ENTITY", b"<!entity")
_DECLARATIONS = tuple(
    marker.encode(encoding)
    for marker in ("<!ENTITY", "<!entity")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def ensure_safe_xml(body: bytes, *, origin: str, content_type: str | None = None) -> None:
    """Raise :class:`FeedRejected` if ``body`` declares entities or references external ones.

    ``content_type`` is the header feedparser will be given: its charset decides the decoding.
    """
    _check(body, origin)
    decoded = _as_feedparser_reads(body, content_type)
    if any(marker in decoded for marker in _UTF8_DECLARATIONS):
        _check(decoded, origin)  # the full check again: a marker may be mere text in CDATA


#: The prolog (declaration, comments, processing instructions, doctype), then the root's
#: start tag: its name, and whether it closes itself.
_ROOT = re.compile(
    rb"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
    rb"<([A-Za-z_][\w.:-]*)[^>]*?(/?)>",
    re.DOTALL,
)


def ensure_complete_xml(body: bytes, *, origin: str, content_type: str | None = None) -> None:
    """Raise :class:`BodyIncomplete` if the document's root element is never closed.

    A body that is not XML at all (empty, JSON, plain text) is left to the parser to judge.
    """
    document = _as_feedparser_reads(body, content_type)
    root = _ROOT.match(document)
    if root is None or root.group(2):  # no root element, or <rss/>
        return
    name = root.group(1)
    if b"</" + name not in document[root.end() :]:
        raise BodyIncomplete(
            f"{origin}: the document ends before its <{name.decode(errors='replace')}> "
            "element is closed: cut off on its way; nothing of it is stored"
        )


def _as_feedparser_reads(body: bytes, content_type: str | None) -> bytes:
    """The document as UTF-8, decoded exactly as feedparser will decode it."""
    headers = {"content-type": content_type} if content_type else {}
    return convert_to_utf8(headers, body, {})


def _check(body: bytes, origin: str) -> None:
    try:
        fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        kind = "an external entity" if exc.sysid or exc.pubid else "an XML entity"
        raise FeedRejected(
            f"{origin}: the feed declares {kind} ({exc.name!r}); refused as a possible "
            "entity-expansion or external-entity attack"
        ) from None
    except defusedxml.DTDForbidden:  # pragma: no cover - DTDs are allowed above
        raise FeedRejected(f"{origin}: the feed has a forbidden DTD") from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise FeedRejected(
            f"{origin}: the feed references an external resource ({exc.sysid!r}); refused"
        ) from None
    except (ParseError, ValueError, LookupError, UnicodeError):
        # Malformed: feedparser may recover it, but only if it declares nothing.
        if any(marker in body for marker in _DECLARATIONS):
            raise FeedRejected(
                f"{origin}: the malformed feed declares XML entities; refused"
            ) from None
