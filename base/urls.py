"""Which links Rumor Desk keeps, shows or calls: absolute http(s) URLs with a host, only.

Links come from untrusted posts, exports and forms; a ``javascript:``, ``data:`` or
``file:`` link, or a relative one, must never reach the store, a page, a report or a
request. Every part asks these two functions instead of checking schemes itself.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

SCHEMES = ("http", "https")


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host (``HTTPS://`` counts; ``http:///x`` does not)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket: not a URL anyone can open
        return False
    return parts.scheme.lower() in SCHEMES and bool(host)


def safe_url(link: str | None, base: str | None = None) -> str | None:
    """``link`` trimmed and made absolute against ``base``; ``None`` unless it is http(s)
    with a host."""
    if not link:
        return None
    link = link.strip()
    try:
        absolute = urljoin(base, link) if base else link
    except ValueError:
        return None
    return absolute if is_http_url(absolute) else None
