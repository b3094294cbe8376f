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

from rumordesk.config import MailSettings
from rumordesk.errors import RumorDeskError
from rumordesk.secrets import get_secret

PASSWORD_ENV = "RUMORDESK_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a secret
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


class MailError(RumorDeskError):
    """The message could not be handed to the mail server (the reason, never the password)."""


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
        raise MailError("no mail server is configured ([mail] host)")
    password = get_secret(PASSWORD_ENV)
    try:
        if settings.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout_seconds,
                context=_context(settings),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with client:
            if settings.security == "starttls":
                client.starttls(context=_context(settings))
            if settings.username:
                if not password:
                    raise MailError(f"${PASSWORD_ENV} is not set for SMTP user {settings.username}")
                client.login(settings.username, password)
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(
            f"mail to {settings.host}:{settings.port} failed: {type(exc).__name__}: {exc}"
        ) from None
