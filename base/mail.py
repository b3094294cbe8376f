"""Sending e-mail (alerts, scheduled reports) through the configured SMTP server.

Messages are built with :class:`email.message.EmailMessage` under the SMTP policy, which
refuses a header containing a line break: text taken from posts is folded to one line
before it reaches a header, so it can never add a ``Bcc:`` or start the body early.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from rumordesk.base.config import MailSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.base.secrets import get_secret

PASSWORD_ENV = "RUMORDESK_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a secret
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


class MailError(RumorDeskError):
    """The message could not be handed to the mail server (the reason, never the password).

    ``permanent``: the server refused it for good (a 5xx reply), retrying cannot help.
    ``maybe_sent``: the connection failed after the whole message was sent and before the
    server confirmed it, so it may have been delivered (resending risks a duplicate).
    """

    def __init__(self, message: str, *, permanent: bool = False, maybe_sent: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.maybe_sent = maybe_sent


class _Tracked:
    """Remembers whether the message body went out (``DATA``), for ``maybe_sent``."""

    data_sent = False

    def data(self, msg):  # type: ignore[no-untyped-def]
        self.data_sent = True
        return super().data(msg)  # type: ignore[misc]


class _SMTP(_Tracked, smtplib.SMTP):
    pass


class _SMTPS(_Tracked, smtplib.SMTP_SSL):
    pass


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    media_type: str = "application/octet-stream"


def one_line(text: str, limit: int = 200) -> str:
    """Text safe for a header: line breaks folded to spaces, cut to ``limit`` characters."""
    folded = " ".join(_LINE_BREAKS.sub(" ", text).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


def build_message(
    settings: MailSettings,
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.from_address
    message["To"] = ", ".join(one_line(address, 254) for address in to)
    message["Subject"] = one_line(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2] or None)
    message.set_content(body)
    for item in attachments:
        maintype, _, subtype = item.media_type.partition("/")
        message.add_attachment(
            item.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=one_line(item.filename, 120),
        )
    return message


def _context(settings: MailSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.ca_file or None)


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the server; raises :class:`MailError` with a one-line reason."""
    if not settings.enabled:
        raise MailError("no mail server is configured ([mail] host)", permanent=True)
    password = get_secret(PASSWORD_ENV)
    client: _SMTP | _SMTPS | None = None
    try:
        if settings.security == "tls":
            client = _SMTPS(
                settings.host,
                settings.port,
                timeout=settings.timeout_seconds,
                context=_context(settings),
            )
        else:
            client = _SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with client:
            if settings.security == "starttls":
                client.starttls(context=_context(settings))
            if settings.username:
                if not password:
                    raise MailError(
                        f"${PASSWORD_ENV} is not set for SMTP user {settings.username}",
                        permanent=True,
                    )
                client.login(settings.username, password)
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        code = getattr(exc, "smtp_code", None)
        refused = isinstance(exc, smtplib.SMTPRecipientsRefused) or code is not None
        raise MailError(
            f"mail to {settings.host}:{settings.port} failed: {type(exc).__name__}: {exc}",
            permanent=isinstance(exc, smtplib.SMTPRecipientsRefused)
            or (isinstance(code, int) and code >= 500),
            maybe_sent=bool(client and client.data_sent) and not refused,
        ) from None
