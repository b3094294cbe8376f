"""The one doubling backoff behind source failures, sign-in lockouts and alert retries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rumordesk.base.backoff import doubling


@pytest.mark.parametrize(
    ("doublings", "seconds"),
    [(0, 10), (1, 20), (2, 40), (6, 640), (7, 900), (40, 900)],
)
def test_the_wait_doubles_from_the_base_up_to_the_cap(doublings, seconds):
    assert doubling(10, doublings, 900) == timedelta(seconds=seconds)


def test_fewer_than_zero_doublings_is_the_base():
    assert doubling(30.0, -3, 3600.0) == timedelta(seconds=30)


def test_fractional_seconds_keep_their_precision():
    assert doubling(0.25, 3, 60) == timedelta(seconds=2)
    assert doubling(0.1, 2, 60) == timedelta(microseconds=400_000)


@pytest.mark.parametrize("base", [30, 30.0])
def test_a_very_long_run_of_failures_is_the_cap_not_an_overflow(base):
    # 30.0 * 2**5000 cannot be a float: the wait is the cap, not an OverflowError
    assert doubling(base, 5000, 3600.0) == timedelta(seconds=3600)
    assert doubling(base, 10**9, 3600.0) == timedelta(seconds=3600)
