"""What can go wrong with one source. Each error stops that source's run, not the others."""

from __future__ import annotations

from datetime import datetime

from rumordesk.base.errors import RumorDeskError


class CollectorError(RumorDeskError):
    """A source could not be collected this time."""

    #: Stored as the source's status so the health page can group failures.
    status = "error"


class TransientError(CollectorError):
    """Timeouts, connection failures, 5xx: retried with backoff on the next polls."""


class HttpStatusError(CollectorError):
    """The server answered with a status we do not retry (404, 410…)."""

    def __init__(self, url: str, status: int, reason: str = "") -> None:
        super().__init__(f"HTTP {status} {reason}".strip() + f" from {url}")
        self.url, self.http_status = url, status


class RateLimited(CollectorError):
    """The server asked us to wait (429); the next attempt is scheduled, the loop goes on."""

    status = "rate_limited"

    def __init__(self, url: str, retry_at: datetime) -> None:
        super().__init__(f"rate limited by {url}; next attempt at {retry_at:%Y-%m-%d %H:%M:%S} UTC")
        self.retry_at = retry_at


class Misconfigured(CollectorError):
    """Credentials or permissions are wrong (401/403): a person must fix the configuration."""

    status = "misconfigured"


class BodyIncomplete(TransientError):
    """The body ended before its end (shorter than its Content-Length, a dropped
    connection, a compressed stream or a feed document cut off): nothing of it is parsed."""


class DeadlinePassed(TransientError):
    """The source used up its own time for this poll; it resumes from its cursor next time."""


class RedirectRefused(CollectorError):
    """A redirect to another host, an internal address or a scheme other than http(s)."""

    status = "rejected"


class ResponseTooLarge(CollectorError):
    """The body exceeded the configured cap; nothing of it is parsed."""


class FeedRejected(CollectorError):
    """The feed's XML is hostile (entity expansion, external entities) and is not parsed."""

    status = "rejected"


class FeedUnreadable(CollectorError):
    """The body is not a feed that any parser can recover."""
