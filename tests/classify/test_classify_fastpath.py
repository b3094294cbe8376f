"""The fast paths of the signals find exactly what the reference patterns find.

Every word list, the one-pass scans and the gazetteer carry a look-ahead on the literals a
match must start with (classify.scanner.guard). It may only skip positions where nothing
can match: over every training and validation text, in lower case and folded, each fast
pattern must return the same matches (span, text and list name) as its reference.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd
import pytest

from rumordesk.classify import claims, scanner, signals
from rumordesk.classify.cluster import _content_words_reference, content_words
from rumordesk.classify.signals import Gazetteer, fold
from rumordesk.classify.words import denial, hearsay, notice, question, relay
from rumordesk.classify.words.negation import NEGATOR
from rumordesk.classify.words.topics import TOPICS
from tests.helpers.classify import TRAINING, VALIDATION, classify_settings, word_lists


@cache
def texts() -> list[str]:
    """Every text of the training and validation sets, public and Department posts, in
    all nine languages (the scenario files hold the Korean, Hindi and Chinese ones)."""
    tables = [
        TRAINING / "posts.csv",
        TRAINING / "validation.csv",
        TRAINING / "scenarios" / "posts.csv",
        TRAINING / "scenarios" / "official.csv",
        VALIDATION / "posts.csv",
        VALIDATION / "official.csv",
    ]
    raw = [t for path in tables for t in pd.read_csv(path, keep_default_na=False)["text"]]
    # Digits beyond 0–9, a decomposed accent and a bare number: edge cases of the triggers.
    raw += ["٣ people shot at Valley Fair", "xa\u0309 su\u0301ng", "3 dead", "10 shot", "c4"]
    compared = sorted({t.lower() for t in raw} | {fold(t) for t in raw})
    # Every test below compares inside a loop over these: an empty read must fail them all.
    assert len(compared) > 6_000, f"only {len(compared)} texts read from {TRAINING}"
    return compared


def found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str | None]]:
    return [(m.span(), m.lastgroup) for m in pattern.finditer(text)]


def test_the_guard_is_in_use():
    guarded = [lst for lst in word_lists() if lst.fast.pattern != lst.regex.pattern]
    assert len(guarded) >= 10
    assert signals._HARM_SCAN.pattern.startswith(r"(?<!\w)(?=")


@pytest.mark.parametrize("index", range(len(word_lists())))
def test_each_guarded_word_list_finds_the_same(index: int):
    word_list = word_lists()[index]
    for text in texts():
        assert found(word_list.fast, text) == found(word_list.regex, text), (
            word_list.pattern[:40],
            text,
        )
        assert word_list.fast.sub(" ", text) == word_list.regex.sub(" ", text)


@pytest.mark.parametrize(
    ("fast", "named"),
    [
        (signals._HARM_SCAN, {f"h{i}": h.pattern for i, h in enumerate(signals._WORD_HARMS)}),
        (
            signals._VOICE_SCAN,
            {
                "denial": denial.DENIAL,
                "relay": relay.RELAY,
                "notice": notice.OFFICIAL_NOTICE,
                "hearsay": hearsay.HEARSAY,
                "question": question.QUESTION,
            },
        ),
        (
            claims._SCAN,
            {name: lists[0] for name, lists in claims._PARTS.items()}
            | {"topic_" + name: lists[0] for name, lists in TOPICS.items()},
        ),
    ],
    ids=["harms", "voice", "claim"],
)
@pytest.mark.slow
def test_one_pass_scans_find_the_same_lists(fast: re.Pattern[str], named: dict):
    reference = scanner.one_pass(named, guarded=False)
    assert fast.pattern != reference.pattern
    for text in texts():
        assert found(fast, text) == found(reference, text), text


def test_the_gazetteer_finds_the_same_places():
    gazetteer = Gazetteer.from_settings(classify_settings())
    reference = signals._alternation(gazetteer.names, guarded=False)
    assert gazetteer.pattern is not None and reference is not None
    assert gazetteer.pattern.pattern != reference.pattern
    for text in texts():
        assert gazetteer.pattern.findall(text) == reference.findall(text), text


def test_a_digit_class_lets_in_every_digit():
    """``\\d`` matches "٣"; the trigger for it must not be only 0–9."""
    word_list = scanner.word_list(r"\d+ (?:people|persons) shot")
    assert word_list.fast.pattern != word_list.regex.pattern
    assert word_list.fast.search("٣ people shot") is not None
    assert scanner._trie({"ab", "a", "b2"}) == "(?:a|b2)"


def test_content_words_match_the_reference_scan():
    raw = texts() + ["rt: x", "2rt y", "art rt", "@a rt b http://x.y", "a_b c—d 12ab", "x\u00a0y"]
    for text in raw:
        folded = fold(text)
        assert content_words(text, folded) == _content_words_reference(folded), text


@pytest.mark.parametrize(
    ("source", "beginnings"),
    [
        (r"(?:a|with a) (?:gun|rifle)", {"a gun", "a rifl", "with a"}),
        (r"c-?4", {"c-4", "c4"}),
        (r"shots? fired", {"shot f", "shots "}),
        (r"i(?:'?m| am) dead", {"i am d", "i'm de", "im dea"}),
        (r"x[ae]y", {"xay", "xey"}),
        (r"a.b", {"a"}),
        (r"\w+ shot", {""}),  # could begin with anything: no guard at all
    ],
)
def test_beginnings_are_read_from_the_pattern(source: str, beginnings: set[str]):
    assert scanner._beginnings(list(scanner._parser.parse(source)), 6) == beginnings


def test_a_pattern_that_can_begin_anywhere_is_left_unguarded():
    source = r"(?<!\w)(?:\w+ shot|gunman)(?!\w)"
    assert scanner.guard(source) == source


@pytest.mark.slow
def test_the_guarded_negator_finds_the_same_negations():
    """It is searched in the few words before each harm: compare on every such stretch."""
    compared = 0
    for text in texts():
        for end in range(1, len(text) + 1, 3):
            before = text[max(0, end - 40) : end]
            fast, full = signals._NEGATOR.search(before), NEGATOR.search(before)
            assert (fast and fast.span()) == (full and full.span()), before
            compared += full is not None
    assert compared > 100


def test_ranking_pauses_the_garbage_collector_only_for_the_batch():
    import gc

    import numpy as np

    from rumordesk.classify.rank import PostInput, Ranker

    seen: list[bool] = []

    def model(texts):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return np.full(len(texts), 0.5)

    ranker = Ranker(model, classify_settings())
    assert ranker.rank([PostInput("1", "gunman at Valley Fair")], [])[0].score > 0
    assert seen == [False] and gc.isenabled()
    broken = Ranker(lambda texts: np.zeros(len(texts) + 1), classify_settings())
    with pytest.raises(ValueError):
        broken.rank([PostInput("1", "gunman at Valley Fair")], [])
    assert gc.isenabled()
    gc.disable()
    try:
        ranker.rank([PostInput("1", "gunman at Valley Fair")], [])
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
