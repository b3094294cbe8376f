"""eNotify and Nixle alerts by e-mail: an IMAP mailbox read as the Department's own posts.

The City's eNotify and the Department's Nixle alerts reach subscribers by e-mail before
they reach any feed. Each message becomes an official post: subject and plain-text body
(an HTML-only message goes through :mod:`collectors.text`), the sent time, the
Message-ID as its id. Messages are read with ``BODY.PEEK`` (nothing is marked read),
selected by a UID cursor kept with the posts, and — once stored — tagged with a keyword
so a person looking at the mailbox sees what was taken. Nothing is deleted or moved.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import imaplib
import re
import ssl
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, tzinfo
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from rumordesk.base.secrets import get_secret
from rumordesk.base.source_settings import ImapSource
from rumordesk.base.times import in_utc
from rumordesk.base.urls import safe_url
from rumordesk.collectors.errors import CollectorError, Misconfigured, TransientError
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.text import html_to_text, join_title_and_body, normalise_whitespace
from rumordesk.store.records import Batch, Post, Provenance

PASSWORD_ENV = "RUMORDESK_IMAP_PASSWORD"  # noqa: S105 - a variable name
_LINK = re.compile(r"https?://[^\s<>\"')\]]+")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_FETCHED_UID = re.compile(rb"UID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_UNKNOWN_LOCAL_ZONE = re.compile(r"\s-0000(\s|\(|$)")


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


class ImapCollector:
    kind = "imap"

    def __init__(self, source: ImapSource, http: HttpClient, *, zone: tzinfo) -> None:
        self.source = source
        self.zone = zone

    def connect(self) -> imaplib.IMAP4:
        source = self.source
        password = get_secret(PASSWORD_ENV)
        if not password:
            raise Misconfigured(f"${PASSWORD_ENV} is not set: the mailbox password goes there")
        context = ssl.create_default_context(cafile=source.ca_file)
        where = f"{source.host}:{source.port}"
        try:
            if source.security == "tls":
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    source.host, source.port, ssl_context=context, timeout=source.timeout
                )
            else:
                conn = imaplib.IMAP4(source.host, source.port, timeout=source.timeout)
                if source.security == "starttls":
                    conn.starttls(ssl_context=context)
        except ssl.SSLCertVerificationError as exc:
            raise Misconfigured(
                f"IMAP {where}: the server's certificate is not trusted ({exc.verify_message}); "
                "set ca_file to its CA"
            ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise TransientError(f"IMAP {where}: could not connect ({_reason(exc)})") from None
        try:
            conn.login(source.username, password)
        except imaplib.IMAP4.error as exc:
            _close(conn)
            message = _reason(exc).replace(password, "***")
            raise Misconfigured(
                f"IMAP {where} refused the sign-in of {source.username!r} ({message}); "
                f"check username and ${PASSWORD_ENV}"
            ) from None
        except OSError as exc:
            _close(conn)
            raise TransientError(f"IMAP {where}: connection lost ({_reason(exc)})") from None
        return conn

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        conn = self.connect()
        try:
            yield from self._collect(conn, cursor)
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"IMAP connection lost ({_reason(exc)})") from None
        except OSError as exc:  # timeouts included
            raise TransientError(f"IMAP: {_reason(exc)}") from None
        except imaplib.IMAP4.error as exc:
            raise CollectorError(f"IMAP: {_reason(exc)}") from None
        finally:
            _close(conn)

    def _collect(self, conn: imaplib.IMAP4, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        mailbox = self.source.mailbox
        status, data = conn.select(_quote(mailbox))
        if status != "OK":
            raise Misconfigured(f"IMAP: no mailbox {mailbox!r} ({_text(data[0] if data else '')})")
        validity = _uidvalidity(conn, mailbox)
        last = int(cursor.get("last_uid", 0)) if cursor.get("uidvalidity") == validity else 0
        status, data = conn.uid("SEARCH", None, f"UID {last + 1}:*")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last)
        size = self.source.batch_size
        for start in range(0, len(uids), size):
            chunk = uids[start : start + size]
            status, data = conn.uid(
                "FETCH", ",".join(map(str, chunk)), "(UID INTERNALDATE BODY.PEEK[])"
            )
            if status != "OK":
                raise CollectorError(f"IMAP FETCH failed ({_text(data[0] if data else '')})")
            posts = tuple(p for p in self._posts(data, validity) if p is not None)
            yield Batch(posts, {**cursor, "uidvalidity": validity, "last_uid": chunk[-1]})
            # Stored: now mark them, so a person reading the mailbox sees what was taken.
            conn.uid(
                "STORE", ",".join(map(str, chunk)), "+FLAGS", f"({self.source.processed_flag})"
            )

    def _posts(self, data: list[Any], validity: str) -> Iterator[Post | None]:
        for item in data:
            if not isinstance(item, tuple) or len(item) < 2:
                continue
            envelope, raw = item[0], item[1]
            uid_match = _FETCHED_UID.search(envelope)
            date_match = _INTERNALDATE.search(envelope)
            received = _internal_date(date_match.group(1)) if date_match else None
            uid = int(uid_match.group(1)) if uid_match else 0
            yield self.message_post(raw, uid=uid, validity=validity, received=received)

    def message_post(
        self, raw: bytes, *, uid: int, validity: str, received: datetime | None
    ) -> Post | None:
        """One message as a post; ``None`` when it is not from the configured senders."""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if not isinstance(message, EmailMessage):
            return None
        senders = [address.lower() for _, address in getaddresses([str(message["from"] or "")])]
        if self.source.senders and not any(_from(s, self.source.senders) for s in senders):
            return None
        subject = normalise_whitespace(str(message["subject"] or ""))
        body = body_text(message)
        text = join_title_and_body(subject, body) or "(empty message)"
        message_id = str(message["message-id"] or "").strip()
        source_id = message_id or f"sha256:{hashlib.sha256(raw).hexdigest()}"
        link = next((u for u in (safe_url(m) for m in _LINK.findall(body)) if u), None)
        sent = _sent(message, self.zone) or received
        display = getaddresses([str(message["from"] or "")])
        return Post(
            source=self.source.name,
            source_id=source_id[:500],
            channel=self.source.channel,
            text=text,
            provenance=Provenance.now(None, self.kind),
            url=link,
            author=normalise_whitespace(display[0][0] or display[0][1])[:200] if display else None,
            created_at=sent,
            is_official=self.source.official,
            raw={
                "message_id": message_id or None,
                "uid": uid,
                "uidvalidity": validity,
                "mailbox": self.source.mailbox,
                "from": str(message["from"] or ""),
                "to": str(message["to"] or ""),
                "subject": subject,
                "date": str(message["date"] or ""),
                "body": body,
            },
        )


def body_text(message: EmailMessage) -> str:
    """The plain-text part, else the HTML part as text; undecodable bytes replaced."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, KeyError):  # an unknown or lying charset
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return normalise_whitespace(content)


def _from(address: str, allowed: tuple[str, ...]) -> bool:
    domain = address.rpartition("@")[2]
    for entry in allowed:
        entry = entry.lower().lstrip("@")
        if address == entry or domain == entry or domain.endswith("." + entry):
            return True
    return False


def _sent(message: EmailMessage, zone: tzinfo) -> datetime | None:
    """The Date header in UTC. ``-0000`` is UTC (RFC 5322 §3.3: the sender's own zone is
    unknown); a date with no zone at all is read by the one time rule, in ``zone``."""
    # the header as written: the parsed one says "-0000" for a date without any zone too
    header = next((str(v) for k, v in message.raw_items() if k.lower() == "date"), "")
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None and _UNKNOWN_LOCAL_ZONE.search(header):
        moment = moment.replace(tzinfo=UTC)
    try:
        return in_utc(moment, zone)
    except (OverflowError, ValueError):
        return None


def _internal_date(value: bytes) -> datetime | None:
    try:
        return datetime.strptime(value.decode(), "%d-%b-%Y %H:%M:%S %z").astimezone(UTC)
    except ValueError:
        return None


def _uidvalidity(conn: imaplib.IMAP4, mailbox: str) -> str:
    """The mailbox's UIDVALIDITY: when it changes, UIDs start over (the cursor too)."""
    values = conn.untagged_responses.get("UIDVALIDITY") or []
    if values:
        return _text(values[-1])
    status, data = conn.status(_quote(mailbox), "(UIDVALIDITY)")
    found = _UIDVALIDITY.search(data[0] or b"") if status == "OK" and data else None
    return found.group(1).decode() if found else "0"


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = exc.args[0] if exc.args else type(exc).__name__
    text = text if isinstance(text, bytes | str) else str(exc)
    return normalise_whitespace(_text(text))[:200] or type(exc).__name__


def _close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()
