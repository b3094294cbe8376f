"""The weekly report's arithmetic, against snapshots stored through the store's own API.

Every expected figure is worked out by hand from tests/weekly_scenario.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from rumordesk.reports.weekly import build_report
from rumordesk.reports.weekly_layout import report_tables
from rumordesk.reports.weeks import ReportError, Week
from rumordesk.triage import workflow
from rumordesk.triage.roles import Actor, Role
from tests.helpers.accounts import enrol
from tests.helpers.weekly import add_rumour, build, post, scenario_settings, store, utc

LA = ZoneInfo("America/Los_Angeles")
NOW = utc(2026, 11, 30, 12)


@pytest.fixture
def scenario(db):
    settings = scenario_settings()
    build(db, settings)
    return db, settings


def report_for(scenario, label):
    db, settings = scenario
    return build_report(
        db, Week.parse(label, LA), sources=settings.sources, department="SCPD", now=NOW
    )


def channel(report, name):
    return next(c for c in report.channels if c.channel == name)


# --- weeks ------------------------------------------------------------------------------


def test_the_week_daylight_saving_starts_is_167_hours():
    week = Week.parse("2026-W10", LA)  # Mon Mar 2 - Sun Mar 8; clocks go forward Mar 8
    assert week.start == utc(2026, 3, 2, 8)  # midnight PST
    assert week.end == utc(2026, 3, 9, 7)  # midnight PDT
    assert week.hours == 167
    assert week.days[-1] == date(2026, 3, 8)


def test_the_week_daylight_saving_ends_is_169_hours():
    week = Week.parse("2026-W44", LA)  # Mon Oct 26 - Sun Nov 1; clocks go back Nov 1
    assert week.start == utc(2026, 10, 26, 7)
    assert week.end == utc(2026, 11, 2, 8)
    assert week.hours == 169
    assert week.following().start == week.end
    assert week.previous().end == week.start
    assert Week.parse("2026-W42", LA).hours == 168


def test_week_parsing_and_the_last_complete_week():
    assert Week.parse("2026w42", LA) == Week.parse(" 2026-W42 ", LA) == Week(2026, 42, LA)
    assert Week.parse("2020-W53", LA).monday == date(2020, 12, 28)  # 2020 has 53 weeks
    for bad in ("2025-W53", "2026-W00", "last week", "26-W42"):
        with pytest.raises(ReportError):
            Week.parse(bad, LA)
    # Monday 00:30 local in Los Angeles is still Sunday in no timezone that matters here
    monday_early = utc(2026, 10, 26, 7, 30)  # Mon Oct 26 00:30 PDT
    assert Week.last_complete(monday_early, LA).label == "2026-W43"
    sunday_late = utc(2026, 10, 26, 6, 30)  # Sun Oct 25 23:30 PDT (already Monday in UTC)
    assert Week.last_complete(sunday_late, LA).label == "2026-W42"


def test_posts_around_the_spring_boundary_fall_in_the_right_week(db):
    settings = scenario_settings()
    late_sunday = utc(2026, 3, 9, 6, 30)  # Sun Mar 8 23:30 PDT: W10
    monday = utc(2026, 3, 9, 7)  # Mon Mar 9 00:00 PDT: W11
    store(db, monday + timedelta(hours=1), post("scpd-x", "a", "x", late_sunday, "a", likes=4))
    store(db, monday + timedelta(hours=1), post("scpd-x", "b", "x", monday, "b", likes=9))
    w10 = build_report(db, Week.parse("2026-W10", LA), sources=settings.sources, now=NOW)
    w11 = build_report(db, Week.parse("2026-W11", LA), sources=settings.sources, now=NOW)
    assert [p.text for p in w10.posts] == ["a"]
    assert [p.text for p in w11.posts] == ["b"]
    # measured only after W10 ended: the figure is that first measurement, and the report says so
    assert w10.posts[0].figures.likes == 4
    assert any("after the week ended" in note for note in w10.notes)
    assert channel(w11, "x").previous_engagement == 4
    assert channel(w11, "x").change_engagement == 5


# --- figures ----------------------------------------------------------------------------


def test_week_42_posts_and_channels(scenario):
    report = report_for(scenario, "2026-W42")
    x, youtube, facebook = (
        channel(report, "x"),
        channel(report, "youtube"),
        channel(report, "facebook"),
    )
    # x-1 at the week's end: the Oct 18 snapshot
    assert (x.posts, x.likes, x.shares, x.replies, x.quotes, x.views) == (1, 30, 5, 3, 1, 3000)
    assert x.engagement_new == x.engagement == 30 + 5 + 3 + 1
    assert x.engagement_rate == pytest.approx(39 / 3000)
    # the snapshot taken exactly at Monday 00:00 counts as the value at the end of W42
    assert (youtube.posts, youtube.likes, youtube.views) == (1, 20, 500)
    assert youtube.shares is None and youtube.replies is None  # YouTube does not give them
    assert youtube.engagement == 20
    assert (facebook.posts, facebook.engagement, facebook.likes) == (0, None, None)
    assert report.engagement == 59
    assert report.earlier == ()


def test_week_43_new_posts_earlier_gains_medians_and_change(scenario):
    report = report_for(scenario, "2026-W43")
    x = channel(report, "x")
    assert (x.posts, x.likes, x.shares, x.views) == (1, 7, 1, 500)
    assert x.engagement_new == 8
    assert x.gained_by_earlier == (40 - 30) + (6 - 5) + (4 - 3) + (1 - 1)  # x-1: 12
    assert x.engagement == 20
    assert x.engagement_rate == pytest.approx(8 / 500)
    assert (x.previous_posts, x.previous_engagement) == (1, 39)
    assert x.change_engagement == 20 - 39
    assert x.change_pct == pytest.approx((20 - 39) / 39 * 100)

    facebook = channel(report, "facebook")
    assert facebook.posts == 2
    assert (facebook.likes, facebook.shares, facebook.replies) == (150 + 50, 30 + 0, 12 + 2)
    assert facebook.views is None and facebook.engagement_rate is None
    assert facebook.engagement_new == 192 + 52
    assert facebook.median_per_post == (192 + 52) / 2
    # fb-0 (published W41) was first collected mid-week: counted from that first snapshot
    assert facebook.gained_by_earlier == 590 - 570
    assert facebook.engagement == 244 + 20
    assert facebook.previous_engagement is None and facebook.change_engagement is None

    youtube = channel(report, "youtube")
    assert (youtube.posts, youtube.engagement_new, youtube.likes) == (0, None, None)
    assert youtube.gained_by_earlier == 50 - 20
    assert youtube.change_pct == pytest.approx((30 - 20) / 20 * 100)

    gained = {p.source: p for p in report.earlier}
    assert set(gained) == {"scpd-x", "scpd-youtube", "scpd-facebook"}
    assert gained["scpd-youtube"].gained.views == 2000 - 500
    assert gained["scpd-x"].gained.views == 4000 - 3000
    assert report.engagement == 20 + 264 + 30
    assert report.previous_engagement == 59
    # the public post on Reddit is not the Department's and counts nowhere
    assert all(p.source != "reddit-search" for p in (*report.posts, *report.earlier))
    assert "reddit" not in {c.channel for c in report.channels}


def test_a_channel_without_metrics_is_unavailable_not_zero(scenario):
    report = report_for(scenario, "2026-W43")
    website = channel(report, "website")
    assert website.posts == 1
    assert all(
        getattr(website, name) is None
        for name in ("likes", "shares", "replies", "views", "engagement", "median_per_post")
    )
    [news] = [p for p in report.posts if p.channel == "website"]
    assert news.figures.engagement is None and news.figures.rate is None
    assert all(d.engagement is None for d in report.days if d.channel == "website")


def test_top_posts_rank_new_and_earlier_posts_together(scenario):
    report = report_for(scenario, "2026-W43")
    assert [(p.source, p.engagement) for p in report.top] == [
        ("scpd-facebook", 192),
        ("scpd-facebook", 52),
        ("scpd-youtube", 30),
        ("scpd-facebook", 20),
        ("scpd-x", 12),
    ]


def test_engagement_by_local_day_adds_up_to_the_week(scenario):
    report = report_for(scenario, "2026-W43")
    by_day = {(d.channel, d.day.isoformat()): d.engagement for d in report.days}
    assert by_day[("x", "2026-10-21")] == 8  # x-2 on Wednesday
    assert by_day[("x", "2026-10-22")] == 12  # x-1's gain on Thursday
    assert by_day[("facebook", "2026-10-20")] == 130
    assert by_day[("facebook", "2026-10-23")] == 52 + 20
    assert by_day[("facebook", "2026-10-24")] == 192 - 130
    assert by_day[("youtube", "2026-10-25")] == 30
    measured = [c for c in report.channels if c.engagement is not None]
    assert {c.channel for c in measured} >= {"x", "facebook", "youtube"}
    for c in measured:
        assert sum(d.engagement for d in report.days if d.channel == c.channel) == c.engagement
    posts_per_day = {(d.channel, d.day.isoformat()): d.posts for d in report.days}
    assert posts_per_day[("facebook", "2026-10-23")] == 1
    assert sum(d.posts for d in report.days) == len(report.posts)


def test_the_week_daylight_saving_ends_keeps_its_25_hour_sunday(scenario):
    report = report_for(scenario, "2026-W44")
    x = channel(report, "x")
    # x-3 went out Sunday Nov 1 23:00 PST (Nov 2 07:00 UTC): still in W44
    assert [p.text for p in report.posts if p.channel == "x"] == ["Late night notice"]
    assert x.engagement_new == 3
    assert x.gained_by_earlier == 1  # x-1: one more like
    # the YouTube snapshot at Sun 23:30 PST belongs to W44, not W45
    assert channel(report, "youtube").gained_by_earlier == 56 - 50
    assert channel(report, "facebook").gained_by_earlier == 160 - 150
    sunday = {d.channel: d.engagement for d in report.days if d.day == date(2026, 11, 1)}
    assert sunday["x"] == 3 and sunday["youtube"] == 6
    assert report.engagement == 4 + 6 + 10
    assert report.previous_engagement == 314
    w45 = report_for(scenario, "2026-W45")
    assert channel(w45, "youtube").gained_by_earlier == 1
    assert channel(w45, "x").posts == 0


def test_gaps_say_which_channels_had_no_data_and_why(scenario):
    w42 = {(g.channel, g.source): g.reason for g in report_for(scenario, "2026-W42").gaps}
    assert w42[("facebook", "scpd-facebook")] == "no posts published this week"
    assert w42[("pinterest", "scpd-pinterest")] == "source disabled in config.toml"
    assert w42[("nixle", "scpd-nixle")].startswith("source failing (error; never succeeded)")
    assert "HTTP 503" in w42[("nixle", "scpd-nixle")]
    assert ("x", "scpd-x") not in w42
    w43 = {(g.channel, g.source): g.reason for g in report_for(scenario, "2026-W43").gaps}
    assert "no engagement figures" in w43[("website", "city-news")]
    assert ("facebook", "scpd-facebook") not in w43


def test_a_week_without_data_is_empty_but_valid(scenario):
    report = report_for(scenario, "2026-W50")
    assert report.empty
    assert report.posts == () and report.earlier == ()
    assert any("No Department post was published in 2026-W50" in n for n in report.notes)
    assert all(c.posts == 0 and c.engagement is None for c in report.channels)
    tables = {t.name: t for t in report_tables(report)}
    assert tables["posts"].rows == [] and tables["posts"].columns[0] == "published"
    assert tables["rumours"].rows == []
    assert {"item": "week", "value": "2026-W50"} in tables["summary"].rows


def test_an_unfinished_week_says_so(db):
    settings = scenario_settings()
    build(db, settings)
    report = build_report(
        db, Week.parse("2026-W44", LA), sources=settings.sources, now=utc(2026, 10, 28, 20)
    )
    assert any("is not over yet" in note for note in report.notes)


def test_rumours_of_the_week_and_their_outcomes(scenario, monkeypatch):
    db, _ = scenario
    pio = Actor("pio", Role.PIO)
    chief = Actor("chief", Role.CHIEF)
    enrol(db, pio, chief)
    clock = {"now": NOW}
    monkeypatch.setattr(workflow, "utc_now", lambda: clock["now"])

    def at(moment, action, *args):
        clock["now"] = moment
        action(db, *args)

    first = add_rumour(db, utc(2026, 10, 20, 16), "Shots at Great America")
    at(utc(2026, 10, 20, 18), workflow.set_status, pio, first, "confirmed")  # 2 h
    at(utc(2026, 10, 20, 19), workflow.escalate, pio, first, "Correct it on X")
    at(utc(2026, 10, 20, 20), workflow.decide, chief, first, "correction", "Spreading fast")
    second = add_rumour(db, utc(2026, 10, 22, 10), "Bomb threat at the mall")
    at(utc(2026, 10, 22, 16), workflow.set_status, pio, second, "not_relevant")  # 6 h
    add_rumour(db, utc(2026, 10, 24, 10), "Lockdown at the school")  # not acted on
    add_rumour(db, utc(2026, 10, 19, 6), "Sunday night, W42")  # Sun Oct 18 23:00 PDT

    report = report_for(scenario, "2026-W43")
    rumours = report.rumours
    assert rumours.total == 3 and rumours.acted_on == 2
    assert rumours.median_hours_to_first_action == pytest.approx((2 + 6) / 2)
    assert rumours.by_status["confirmed"] == 1
    assert rumours.by_status["not_relevant"] == 1
    assert rumours.by_status["new"] == 1
    assert rumours.by_decision == {
        "correction": 1,
        "monitor": 0,
        "no_action": 0,
        "other": 0,
        "undecided": 2,
    }
    assert [r.hours_to_first_action for r in rumours.rumours] == [2.0, 6.0, None]
    assert report_for(scenario, "2026-W42").rumours.total == 1


def test_a_quiet_source_is_named_even_when_its_channel_posted(scenario):
    from rumordesk.store.sources import record_success, sync_sources
    from tests.helpers.settings import make_settings
    from tests.helpers.weekly import scenario_sources

    db, _ = scenario
    extra = {
        "name": "scpd-x-traffic",
        "kind": "feed",
        "channel": "x",
        "official": True,
        "url": "http://127.0.0.1:9/traffic.xml",
    }
    settings = make_settings([*scenario_sources(), extra])
    sync_sources(db, settings.sources)
    record_success(db, "scpd-x-traffic", new=0, updated=0, requests=1, next_poll_at=NOW, now=NOW)
    report = build_report(db, Week.parse("2026-W43", LA), sources=settings.sources, now=NOW)
    gaps = {(g.channel, g.source): g.reason for g in report.gaps}
    assert gaps[("x", "scpd-x-traffic")] == "no posts published this week"
    assert ("x", "scpd-x") not in gaps
    assert channel(report, "x").sources == ("scpd-x", "scpd-x-traffic")


def test_demo_posts_and_demo_rumours_never_count(scenario):
    from sqlalchemy import update

    from rumordesk.demo import DEMO_SOURCE
    from rumordesk.store.schema import rumors

    db, _ = scenario
    demo = post(DEMO_SOURCE, "d-1", "x", utc(2026, 10, 21, 16), "[DEMO] clarification", likes=900)
    store(db, utc(2026, 10, 21, 17), demo)
    invented = add_rumour(db, utc(2026, 10, 21, 16), "[DEMO] shooting at Valley Fair")
    with db.write() as connection:
        connection.execute(update(rumors).where(rumors.c.id == invented).values(is_demo=True))
    report = report_for(scenario, "2026-W43")
    assert channel(report, "x").engagement == 20  # as without the demo
    assert all(p.source != DEMO_SOURCE for p in report.posts)
    assert report.rumours.total == 0


def test_the_trend_gives_each_channel_week_by_week(scenario):
    from rumordesk.reports.weekly import trend

    db, settings = scenario
    points = trend(db, Week.parse("2026-W44", LA), weeks=4, sources=settings.sources)
    assert [p.week for p in points if p.channel == "x"] == [
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-W44",
    ]
    x = {p.week: p.engagement for p in points if p.channel == "x"}
    assert x == {"2026-W41": None, "2026-W42": 39, "2026-W43": 20, "2026-W44": 3 + 1}
    facebook = {p.week: (p.posts, p.engagement) for p in points if p.channel == "facebook"}
    assert facebook["2026-W43"] == (2, 264) and facebook["2026-W44"] == (0, 10)
    website = {p.week: (p.posts, p.engagement) for p in points if p.channel == "website"}
    assert website["2026-W43"] == (1, None)
