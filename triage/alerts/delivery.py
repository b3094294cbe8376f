"""Handing one alert to one target, and saying exactly what happened.

A delivery ends in one of three ways, and the queue treats them differently:

* ``sent`` — the target accepted it (SMTP accepted the message, HTTP 2xx);
* ``refused`` — the target certainly does not have it: it could not be reached, or it
  answered with an error (SMTP error reply, HTTP 408/429/5xx are retried, other 4xx are
  final, since sending the same request again cannot help);
* ``unknown`` — the request went out but no answer came (read timeout, connection lost
  after the message was handed over). The target may have it.

Targets: e-mail through :mod:`rumordesk.mail`; webhooks with :mod:`requests`, short
timeouts, no redirects, and an ``Idempotency-Key`` header that stays the same on every
attempt of one alert (a receiver that honours it can drop repeats).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import requests
from urllib3.exceptions import NewConnectionError

from rumordesk.base.config import AlertSettings, AppSettings, WebhookTarget
from rumordesk.base.errors import RumorDeskError
from rumordesk.base.mail import MailError, build_message, one_line
from rumordesk.base.mail import send as send_mail
from rumordesk.base.redact import mask
from rumordesk.base.secrets import get_secret
from rumordesk.base.urls import is_http_url
from rumordesk.triage.alerts.message import AlertContent, email_body, email_subject, webhook_body

Result = Literal["sent", "refused", "unknown"]
USER_AGENT = "RumorDesk-alerts/0.1"


@dataclass(frozen=True, slots=True)
class Target:
    """Somewhere alerts go: ``email:<address>`` or ``webhook:<name>``."""

    key: str
    kind: Literal["email", "generic", "teams", "slack"]
    #: Repeats of one alert are harmless (the receiver drops them): resend when unsure.
    idempotent: bool = False
    address: str = ""
    webhook: WebhookTarget | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    #: Worth another attempt later (only for ``refused``).
    retry: bool = False
    #: Why not sent, masked: a target's answer may quote its own secret URL.
    error: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", mask(self.error))


def configured_targets(alerts: AlertSettings) -> list[Target]:
    """Every target in the configuration, e-mail recipients first."""
    targets = [Target(f"email:{a}", "email", address=a) for a in alerts.email_to]
    targets += [
        Target(f"webhook:{w.name}", w.kind, idempotent=w.idempotent, webhook=w)
        for w in alerts.webhooks
    ]
    return targets


class TargetError(RumorDeskError):
    """A target is configured wrongly (e.g. its URL variable is not set)."""


def webhook_url(webhook: WebhookTarget) -> str:
    if webhook.url:
        return webhook.url
    url = get_secret(webhook.url_env)
    if not url:
        raise TargetError(f"${webhook.url_env} is not set (the URL of webhook {webhook.name!r})")
    if not is_http_url(url):
        raise TargetError(f"${webhook.url_env} is not an http(s) URL")
    return url


def deliver(settings: AppSettings, target: Target, content: AlertContent) -> Outcome:
    """One attempt; never raises for a delivery problem (it is the outcome)."""
    if target.kind == "email":
        return _deliver_email(settings, target.address, content)
    assert target.webhook is not None
    return _deliver_webhook(settings.alerts, target.webhook, content)


def _deliver_email(settings: AppSettings, address: str, content: AlertContent) -> Outcome:
    mail = settings.mail.model_copy(
        update={
            "timeout_seconds": min(settings.mail.timeout_seconds, settings.alerts.timeout_seconds)
        }
    )
    try:
        message = build_message(
            mail, to=[address], subject=email_subject(content), body=email_body(content)
        )
        message["X-RumorDesk-Alert"] = one_line(content.alert_id or "test", 80)
        send_mail(mail, message)
    except MailError as exc:
        if exc.maybe_sent:
            return Outcome("unknown", error=str(exc))
        return Outcome("refused", retry=not exc.permanent, error=str(exc))
    return Outcome("sent")


def _deliver_webhook(
    alerts: AlertSettings, webhook: WebhookTarget, content: AlertContent
) -> Outcome:
    try:
        url = webhook_url(webhook)
    except TargetError as exc:
        return Outcome("refused", retry=False, error=str(exc))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    if content.alert_id:
        headers["Idempotency-Key"] = content.alert_id
    shown = f"webhook {webhook.name}"  # never the URL: it may hold the secret
    try:
        response = requests.post(
            url,
            data=webhook_body(webhook.kind, content),
            headers=headers,
            timeout=(alerts.timeout_seconds, alerts.timeout_seconds),
            allow_redirects=False,
        )
    except requests.ConnectTimeout:
        return Outcome("refused", retry=True, error=f"{shown}: could not connect (timeout)")
    except requests.ReadTimeout:
        return Outcome("unknown", error=f"{shown}: no answer within {alerts.timeout_seconds:g}s")
    except requests.ConnectionError as exc:
        if _never_connected(exc):
            return Outcome("refused", retry=True, error=f"{shown}: could not connect")
        return Outcome("unknown", error=f"{shown}: connection lost before the answer")
    except requests.RequestException as exc:
        return Outcome("refused", retry=False, error=f"{shown}: {type(exc).__name__}")
    with response:
        status = response.status_code
        if 200 <= status < 300:
            return Outcome("sent")
        answer = one_line(response.text[:200], 200)
    retry = status in (408, 429) or status >= 500
    return Outcome("refused", retry=retry, error=f"{shown}: HTTP {status} {answer}".rstrip())


def _never_connected(exc: requests.ConnectionError) -> bool:
    """Refused, unreachable or unresolvable: nothing was sent."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError) or "NameResolutionError" in type(reason).__name__
