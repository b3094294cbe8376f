"""The report's calendar: ISO weeks in the Department's timezone.

A week runs from Monday 00:00 to the next Monday 00:00 *local* time, so the week holding a
daylight-saving change lasts 167 or 169 hours; zoneinfo picks each midnight's offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rumordesk.base.errors import RumorDeskError


class ReportError(RumorDeskError):
    """A report was asked for something that does not exist (e.g. week 53 of 2026)."""


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week in a timezone; ``start`` and ``end`` are local midnights (end exclusive)."""

    year: int
    number: int
    tz: ZoneInfo

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.number, 1)
        except ValueError:
            raise ReportError(f"{self.year} has no ISO week {self.number}") from None

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo) -> Week:
        """``2026-W42`` (also ``2026W42`` and lower case)."""
        cleaned = text.strip().upper().replace("-", "")
        year, sep, number = cleaned.partition("W")
        if not (sep and year.isdigit() and number.isdigit() and len(year) == 4):
            raise ReportError(f"not an ISO week: {text!r} (expected e.g. 2026-W42)")
        return cls(int(year), int(number), tz)

    @classmethod
    def containing(cls, moment: datetime, tz: ZoneInfo) -> Week:
        year, number, _ = moment.astimezone(tz).isocalendar()
        return cls(year, number, tz)

    @classmethod
    def last_complete(cls, now: datetime, tz: ZoneInfo) -> Week:
        return cls.containing(now, tz).previous()

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    def midnight(self, day: date) -> datetime:
        """Local midnight of ``day`` in UTC (zoneinfo picks the right offset on DST days)."""
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    @property
    def start(self) -> datetime:
        return self.midnight(self.monday)

    @property
    def end(self) -> datetime:
        return self.midnight(self.monday + timedelta(days=7))

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def previous(self) -> Week:
        return Week.containing(self.start - timedelta(days=3), self.tz)

    def following(self) -> Week:
        return Week.containing(self.end + timedelta(days=3), self.tz)

    def __str__(self) -> str:
        return self.label
