"""Failed sign-ins are counted per client address, never per account.

Counting per account lets anyone lock the PIO or the Chief out by failing on purpose from
anywhere. Counted here instead: failures in a row for one user name from one address
(``lockout_after``), and from one address whatever the names (``lockout_client_after``,
for guessing across many names). Either makes *that address* wait, doubling with each
further failure; the account itself stays open to everyone else. Unknown names count
exactly like known ones, so the waits reveal nothing about which names exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from rumordesk.base.backoff import doubling
from rumordesk.base.config import AuthSettings
from rumordesk.store.schema import sign_in_throttle

MAX_KEY_CHARS = 400


@dataclass(frozen=True, slots=True)
class Keys:
    """The two counters one attempt touches."""

    client: str
    client_user: str

    @classmethod
    def of(cls, client: str, username: str) -> Keys:
        address = client.strip()[:200] or "unknown"
        return cls(f"client:{address}", f"client-user:{address}:{username}"[:MAX_KEY_CHARS])


def blocked_until(connection: Connection, keys: Keys, now: datetime) -> datetime | None:
    """When this address may try this name again, if it must wait."""
    until = connection.scalars(
        select(sign_in_throttle.c.locked_until).where(
            sign_in_throttle.c.key.in_((keys.client, keys.client_user))
        )
    ).all()
    waiting = [moment for moment in until if moment is not None and moment > now]
    return max(waiting) if waiting else None


def delay(settings: AuthSettings, failures: int, after: int) -> timedelta | None:
    """How long an address waits after ``failures`` in a row (None: not yet ``after``)."""
    if failures < after:
        return None
    return doubling(settings.lockout_seconds, failures - after, settings.lockout_max_seconds)


def count_failure(
    connection: Connection, settings: AuthSettings, keys: Keys, now: datetime
) -> datetime | None:
    """One more failure on both counters; returns until when the address must now wait."""
    limits = {keys.client: settings.lockout_client_after, keys.client_user: settings.lockout_after}
    latest: datetime | None = None
    for key, after in limits.items():
        failures = (
            connection.scalar(
                select(sign_in_throttle.c.failures).where(sign_in_throttle.c.key == key)
            )
            or 0
        ) + 1
        wait = delay(settings, failures, after)
        until = now + wait if wait else None
        values = {"failures": failures, "locked_until": until, "last_failure_at": now}
        changed = connection.execute(
            update(sign_in_throttle).where(sign_in_throttle.c.key == key).values(**values)
        ).rowcount
        if not changed:
            connection.execute(insert(sign_in_throttle).values(key=key, **values))
        if until and (latest is None or until > latest):
            latest = until
    return latest


def clear(connection: Connection, keys: Keys) -> None:
    """A successful sign-in: this address starts afresh."""
    connection.execute(
        delete(sign_in_throttle).where(sign_in_throttle.c.key.in_((keys.client, keys.client_user)))
    )


def clear_user(connection: Connection, usernames: Iterable[str]) -> None:
    """The administrator enabled the account or set its password: every address may try
    its name again."""
    for name in usernames:
        connection.execute(
            delete(sign_in_throttle).where(
                sign_in_throttle.c.key.startswith("client-user:"),
                sign_in_throttle.c.key.endswith(f":{name}", autoescape=True),
            )
        )
