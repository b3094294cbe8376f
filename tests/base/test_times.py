"""base.times: one rule for every time read — no offset means the Department's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rumordesk.base.times import (
    UnreadableTime,
    in_utc,
    known_timezone,
    parse_time,
    stored_utc,
    time_or_none,
    utc_now,
)

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
#: 2026-11-23 19:00 UTC = 11:00 in Santa Clara (PST) = 14:00 in New York (EST).
INSTANT = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-23T19:00:00Z",
        "2026-11-23T19:00:00.000Z",
        "2026-11-23T19:00:00+00:00",
        "2026-11-23T19:00:00+0000",  # the Graph API's form
        "2026-11-23T11:00:00-08:00",
        "2026-11-23T14:00:00-05:00",
        "20261123T190000Z",
        "2026-11-23T11:00:00",  # no offset: Santa Clara's time
        "2026-11-23 11:00",
        "11/23/2026 11:00 AM",
        "11/23/2026 11:00:00",
        "  2026-11-23T19:00:00Z \n",
    ],
)
def test_every_form_of_one_instant_is_the_same_utc_time(value):
    moment = parse_time(value, LOS_ANGELES)
    assert moment == INSTANT
    assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11/23/2026", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
        ("11/23/2026 12:30 AM", datetime(2026, 11, 23, 8, 30, tzinfo=UTC)),
        ("11/23/2026 12:30 PM", datetime(2026, 11, 23, 20, 30, tzinfo=UTC)),
        ("7/4/2026 19:05:30", datetime(2026, 7, 5, 2, 5, 30, tzinfo=UTC)),  # PDT in July
        ("2026-11-23 19:00", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        ("2026-11-23", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),  # a date: local midnight
        ("2026-07-04", datetime(2026, 7, 4, 7, 0, tzinfo=UTC)),
        ("2026-11-23T19:00:00Z", datetime(2026, 11, 23, 19, 0, tzinfo=UTC)),
        ("2026-11-23T19:00:00+0000", datetime(2026, 11, 23, 19, 0, tzinfo=UTC)),
        ("2026-11-23T19:00:00.123456789Z", datetime(2026, 11, 23, 19, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-23T19:00:00.5+00:00", datetime(2026, 11, 23, 19, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_export_and_api_forms_in_the_departments_zone(value, expected):
    assert parse_time(value, LOS_ANGELES) == expected


def test_the_zone_reads_only_times_without_an_offset():
    assert parse_time("2026-11-23T14:00:00", NEW_YORK) == INSTANT
    assert parse_time("2026-11-23T14:00:00", LOS_ANGELES) == INSTANT + timedelta(hours=3)
    for value in ("2026-11-23T19:00:00Z", "2026-11-23T11:00:00-08:00"):
        assert parse_time(value, NEW_YORK) == parse_time(value, LOS_ANGELES) == INSTANT


def test_the_dst_change_follows_the_zone():
    # 01:30 on the first Sunday of November happens twice in Santa Clara: the first (PDT)
    assert parse_time("2026-11-01T01:30:00", LOS_ANGELES) == datetime(
        2026, 11, 1, 8, 30, tzinfo=UTC
    )
    assert parse_time("2026-11-01T03:00:00", LOS_ANGELES) == datetime(
        2026, 11, 1, 11, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "value",
    [
        "13/01/2026",
        "11/23/2026 13:00 PM",
        "02/30/2026",
        "soon",
        "",
        "Nov 23 2026 11:00",
        "2026-11-23T19:00:00+00:00Z",
        "9999-12-31T23:00:00-08:00",  # a real time, but not one UTC can hold
        "0001-01-01T00:30:00+01:00",
    ],
)
def test_what_is_not_a_date_and_time_is_refused_with_the_value(value):
    with pytest.raises(UnreadableTime, match="is not a date and time") as caught:
        parse_time(value, LOS_ANGELES)
    assert isinstance(caught.value, ValueError)
    assert repr(value.strip()) in str(caught.value)
    assert time_or_none(value, LOS_ANGELES) is None


@pytest.mark.parametrize("value", [None, 1732388400, b"2026-11-23", "   "])
def test_an_absent_or_non_text_value_is_no_time(value):
    assert time_or_none(value, LOS_ANGELES) is None


def test_time_or_none_reads_what_parse_time_reads():
    assert time_or_none("2026-11-23T11:00:00", LOS_ANGELES) == INSTANT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nov 23 2026 11:00 AM", INSTANT),
        ("Monday, November 23, 2026 2:00pm -0500", INSTANT),
        ("13/01/2026", datetime(2026, 1, 13, 8, 0, tzinfo=UTC)),  # day first: 13 is no month
    ],
)
def test_loose_reading_takes_what_dateutil_reads_and_keeps_the_rule(value, expected):
    with pytest.raises(UnreadableTime):
        parse_time(value, LOS_ANGELES)
    assert parse_time(value, LOS_ANGELES, loose=True) == expected


def test_loose_reading_still_refuses_what_is_no_time():
    with pytest.raises(UnreadableTime, match="'not a time' is not a date and time"):
        parse_time("not a time", LOS_ANGELES, loose=True)


def test_in_utc_puts_a_naive_time_in_the_zone_and_converts_an_aware_one():
    assert in_utc(datetime(2026, 11, 23, 11, 0), LOS_ANGELES) == INSTANT
    assert in_utc(datetime(2026, 11, 23, 14, 0, tzinfo=NEW_YORK), LOS_ANGELES) == INSTANT
    assert in_utc(INSTANT, LOS_ANGELES).tzinfo is UTC


def test_a_time_from_the_store_without_a_zone_is_utc_not_the_departments():
    assert stored_utc(datetime(2026, 11, 23, 19, 0)) == INSTANT
    assert stored_utc(datetime(2026, 11, 23, 14, 0, tzinfo=NEW_YORK)) == INSTANT
    assert stored_utc(datetime(2026, 11, 23, 19, 0)).tzinfo is UTC
    assert stored_utc(None) is None


def test_known_timezone():
    assert known_timezone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(ValueError, match="unknown IANA timezone 'Mars/Olympus'"):
        known_timezone("Mars/Olympus")


def test_utc_now_is_aware_utc():
    before = datetime.now(UTC)
    now = utc_now()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)
