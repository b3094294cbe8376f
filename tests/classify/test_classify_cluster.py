"""Posts that tell the same story become one cluster; different stories stay apart."""

from __future__ import annotations

from datetime import timedelta

from rumordesk.classify.cluster import assign_clusters, claim_key, cluster_keys, text_signature
from rumordesk.classify.signals import Gazetteer, severity
from tests.helpers.classify import at, classify_settings

GAZETTEER = Gazetteer.from_settings(classify_settings())
WINDOW = timedelta(hours=48)


def keys(text: str):
    return cluster_keys(text, severity(text), GAZETTEER.locate(text))


def clusters(*texts: str, times=None) -> list[int]:
    moments = times or [at("19:00")] * len(texts)
    return assign_clusters([keys(t) for t in texts], moments, WINDOW)


def test_near_copies_share_a_signature():
    original = "Huge line at the Santa Clara Square Trader Joe's, the parking lot is full"
    for copy in (
        "RT @someone: Huge line at the Santa Clara Square Trader Joe's, the parking lot is full",
        "Huge line at the Santa Clara Square Trader Joe's!!! the parking lot is full 😩 "
        "https://t.co/abc123",
        "huge line at the santa clara square trader joes, the parking lot is FULL",
    ):
        assert text_signature(copy) == text_signature(original), copy


def test_a_forwarded_prefix_still_joins_the_copy_by_its_last_words():
    chain = (
        "Please read: the city is planning to close the Central Park pool for the whole "
        "summer season because of budget cuts and nobody was told about it"
    )

    found = clusters(chain, "Forwarded many times >> " + chain)

    assert found[0] == found[1]


def test_chinese_copies_that_lost_a_mark_or_a_character_are_one_story():
    """Chinese has no blanks between words: a screenshot's reading that lost a "！" or one
    character still joins the typed post (by its first or its last characters)."""
    typed = "听说市里要把游泳池整个夏天都关掉！群里都在转发，大家快去问问"
    for reading in (
        "听说市里要把游泳池整个夏天都关掉群里都在转发，大家快去问问",  # "！" lost
        "听说市里要把游泳池整个夏天都关掉！群里都在转发，大家去问问",  # "快" lost
        "听说市里要把游泳池整个夏大都关掉！群里都在转发，大家快去问问",  # 天 read as 大
    ):
        assert clusters(typed, reading) == [1, 1], reading
    assert clusters(typed, "今天游泳池人很多，停车位都满了，大家早点去") == [1, 2]


def test_the_same_claim_in_other_words_is_one_story():
    found = clusters(
        "ACTIVE SHOOTER AT VALLEY FAIR",
        "there's a gunman inside valleyfair, people running",
        "Tiroteo en Valley Fair ahora mismo",
    )

    assert len(set(found)) == 1
    assert claim_key(severity("gunman at valley fair"), GAZETTEER.locate("valley fair")) == (
        "claim:active_shooter@Westfield Valley Fair"
    )


def test_different_harms_or_places_are_different_stories():
    found = clusters(
        "active shooter at Valley Fair",
        "bomb at Valley Fair",
        "active shooter at Levi's Stadium",
        "active shooter in Santa Clarita",
        "active shooter in San Jose",
    )

    assert len(set(found)) == 5


def test_a_denial_or_the_departments_post_is_not_part_of_the_claim():
    text = "There is no shooter at Valley Fair"

    assert keys(text).primary.startswith("text:")
    assert not keys(text).primary.startswith("claim:")


def test_a_story_splits_when_its_posts_are_further_apart_than_the_window():
    times = [at("19:00"), at("20:00"), at("19:00", day="2026-11-25")]

    found = clusters(*(["active shooter at Valley Fair"] * 3), times=times)

    assert found[0] == found[1] != found[2]


def test_unrelated_short_posts_do_not_merge():
    found = clusters("lol", "nice", "Go Niners", "traffic on Tasman")

    assert len(set(found)) == 4


def test_numbers_are_in_order_of_first_appearance():
    found = clusters("story B at Levi's is big news today", "shooter at Valley Fair",
                     "story B at Levi's is big news today")  # fmt: skip

    assert found == [1, 2, 1]
