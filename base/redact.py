"""One masking step for every text that may leave the process: exception messages, log
lines, stored errors, anything printed.

Two kinds of secret are masked. Values the program read as secrets (:mod:`base.secrets`
remembers each one here) are replaced wherever they appear; a secret that is a URL — a
Teams or Slack webhook given by ``url_env`` — is remembered with its path and its query
too, because libraries quote those alone (urllib3's ``"POST /webhookb2/… HTTP/1.1"``, a
server's ``Cannot POST /…``). Credentials the program never read but that travel in a
recognisable shape — ``Bearer …``, ``?access_token=…``, ``?sig=…``, ``user:password@`` in
a URL, ``"password": "…"`` in JSON — are masked by pattern.

This module imports nothing of Rumor Desk, so errors, secrets and logs can all use it.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
#: Shorter remembered values are not masked: "abc" would hide half of every line.
MIN_SECRET_CHARS = 6

#: Query-parameter and JSON key names whose value is a credential. ``key``, ``sig`` and
#: ``code`` are how Azure (SAS, Functions), Google and many webhooks carry theirs.
SECRET_PARAMETER = re.compile(
    r"^(access_token|refresh_token|id_token|client_secret|appsecret_proof|app_?password|"
    r"password|passwd|pwd|secret|api_?key|apikey|x-api-key|token|auth|authorization|"
    r"sig|signature|x-amz-signature|key|code)$",
    re.IGNORECASE,
)
_PARAMETER_NAMES = SECRET_PARAMETER.pattern[2:-2]
_PATTERNS = (
    # ?token=…&sig=… (a query, a form body, a log line quoting either)
    (re.compile(rf"(?i)((?:^|[?&;\s,])(?:{_PARAMETER_NAMES})=)[^\s&;'\"#<>]+"), r"\1" + MASK),
    # "password": "…" in JSON, and password='…' in a repr
    (
        re.compile(rf"(?i)(['\"](?:{_PARAMETER_NAMES})['\"]\s*[:=]\s*['\"])[^'\"]*"),
        r"\1" + MASK,
    ),
    # Authorization headers, and a bearer token quoted anywhere
    (
        re.compile(
            r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer\s+|basic\s+|token\s+)?)[^\s'\",}]+"
        ),
        r"\1" + MASK,
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1" + MASK),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]+@"), r"\1:" + MASK + "@"),
)

_lock = threading.Lock()
_known: set[str] = set()
_ordered: tuple[str, ...] = ()


def remember(value: str | None) -> None:
    """Mask ``value`` from now on (and, for a URL, its path and query on their own)."""
    if not value:
        return
    parts = {value}
    if value.startswith(("http://", "https://")):
        parts |= _url_parts(value)
    global _ordered
    with _lock:
        added = {p for p in parts if len(p) >= MIN_SECRET_CHARS} - _known
        if added:
            _known.update(added)
            _ordered = tuple(sorted(_known, key=len, reverse=True))  # longest first


def _url_parts(url: str) -> set[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found = set()
    if parts.path not in ("", "/"):
        found |= {parts.path, parts.path.rstrip("/")}
        if parts.query:
            found.add(f"{parts.path}?{parts.query}")
    if parts.query:
        found.add(parts.query)
    if parts.password:
        found.add(parts.password)
    return found


def known() -> frozenset[str]:
    return frozenset(_known)


def mask(text: str) -> str:
    """``text`` with every remembered secret and every credential-shaped value masked."""
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def mask_optional(text: str | None) -> str | None:
    return None if text is None else mask(text)


#: A path segment that reads as a credential: 16+ letters and digits mixed (a Slack or
#: Teams webhook token, a UUID), or any 32+ character run of token characters.
_TOKEN_SEGMENT = re.compile(
    r"^(?=[A-Za-z0-9_@.=~+-]*[0-9])(?=[A-Za-z0-9_@.=~+-]*[A-Za-z])[A-Za-z0-9_@.=~+-]{16,}$"
    r"|^[A-Za-z0-9_@.=~+-]{32,}$"
)


def secret_parameters(url: str) -> list[str]:
    """The query parameters of ``url`` whose value is a credential (``sig``, ``key``…)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    return [
        name for name, _ in parse_qsl(query, keep_blank_values=True) if SECRET_PARAMETER.match(name)
    ]


def token_in_path(url: str) -> bool:
    """Whether a segment of ``url``'s path looks like a token (the secret of a webhook)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return any(_TOKEN_SEGMENT.match(segment) for segment in path.split("/"))
