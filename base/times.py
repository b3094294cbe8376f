"""Times as Rumor Desk keeps them: aware datetimes in UTC, read by one rule.

**The rule.** A time written without an offset is the Department's local time — the
``zone`` the caller passes, which is ``[department] timezone`` (America/Los_Angeles
unless configured) — except where a source says which zone it writes (a CSV export's
own ``timezone`` setting), whose caller passes that zone instead. A time with an offset
(``Z``, ``+00:00``, ``+0000``, ``-08:00``) is that instant. Whatever is read comes back
as an aware datetime in UTC; never the machine's zone, never a naive datetime.

**What is read.** ISO 8601 as :meth:`datetime.fromisoformat` reads it (fractional
seconds, a date alone = local midnight, Graph's ``2026-11-23T19:00:00+0000``), and US
month/day/year with an optional time and AM/PM (``11/23/2026 7:05 PM``, as spreadsheet
exports write). ``loose=True`` also accepts whatever python-dateutil reads; only a
person's own spreadsheet (``rumordesk rank``) gets that, since it takes almost any
string for a date.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_US_TIME = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)


class UnreadableTime(ValueError):
    """A value that is not a date and time (the message quotes it)."""

    def __init__(self, value: str) -> None:
        super().__init__(f"{value!r} is not a date and time")


def utc_now() -> datetime:
    return datetime.now(UTC)


def known_timezone(name: str) -> str:
    """``name`` when it is an IANA zone this machine knows; ValueError otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown IANA timezone {name!r}") from exc
    return name


def stored_utc(moment: datetime | None) -> datetime | None:
    """A time read back from the store, in UTC. Not for input (that is the rule above):
    the store writes only UTC, and a value it returns without a zone — from an aggregate
    such as ``max()``, which bypasses the column's type — is UTC too."""
    if moment is None:
        return None
    return in_utc(moment, UTC)


def in_utc(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` in UTC; a naive one is taken to be in ``zone`` (the rule above)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def parse_time(value: str, zone: tzinfo, *, loose: bool = False) -> datetime:
    """``value`` as an aware UTC datetime, or :class:`UnreadableTime`."""
    text = value.strip()
    try:
        moment = _written(text)
    except UnreadableTime:
        if not loose:
            raise
        moment = _guessed(text)
    try:
        return in_utc(moment, zone)
    except (OverflowError, ValueError):  # year 1 or 9999 pushed out of range by the offset
        raise UnreadableTime(text) from None


def time_or_none(value: object, zone: tzinfo, *, loose: bool = False) -> datetime | None:
    """:func:`parse_time` for optional fields of an API: ``None`` for no string, an empty
    one, or one that is not a date and time."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_time(value, zone, loose=loose)
    except UnreadableTime:
        return None


def _written(text: str) -> datetime:
    """US month/day/year or ISO 8601, possibly naive."""
    match = _US_TIME.fullmatch(text)
    if match:
        return _us_time(text, match)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UnreadableTime(text) from None


def _us_time(text: str, match: re.Match[str]) -> datetime:
    month, day, year, hour, minute, second, half = match.groups()
    hours = int(hour or 0)
    if half:
        if not 1 <= hours <= 12:
            raise UnreadableTime(text)
        hours = hours % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(int(year), int(month), int(day), hours, int(minute or 0), int(second or 0))
    except ValueError:
        raise UnreadableTime(text) from None


def _guessed(text: str) -> datetime:
    from dateutil import parser as dates  # imported only when a spreadsheet needs it

    try:
        return dates.parse(text)
    except (ValueError, OverflowError):
        raise UnreadableTime(text) from None
