"""Each context signal on its own: severity, locality, voice, spread (the Department's
posts and the relation step are in test_classify_relation)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from rumordesk.classify.scanner import one_pass
from rumordesk.classify.signals import (
    Gazetteer,
    is_department,
    severity,
    voice,
)
from rumordesk.classify.spread import reach, reach_sql, spread_weight
from rumordesk.classify.words.denial import DENIAL
from rumordesk.classify.words.relay import RELAY
from tests.helpers.classify import TRAINING, classify_settings, word_lists

GAZETTEER = Gazetteer.from_settings(classify_settings())


# --- severity -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ACTIVE SHOOTER at Levi's", "active_shooter"),
        ("someone opened fire in the food court", "active_shooter"),
        ("a man was shot in the quad", "active_shooter"),
        ("guy with a rifle in the parking garage", "active_shooter"),
        ("pipe bomb found at the Convention Center", "explosive"),
        ("they took hostages inside the Safeway", "hostage"),
        ("a girl was pulled into a van near the library", "hostage"),
        ("two people stabbed outside the Mercado", "stabbing"),
        ("gang war in Santa Clara tonight", "threat"),
        ("citywide curfew at 8pm", "emergency_order"),
        ("tiroteo en Valley Fair", "active_shooter"),
        ("có người xả súng ở trường", "active_shooter"),
        ("商场里有人开枪", "active_shooter"),
        ("may namamaril sa mall", "active_shooter"),
        ("amenaza de bomba en la escuela", "explosive"),
    ],
)
def test_severity_names_the_kind_of_harm(text: str, kind: str):
    found = severity(text)

    assert found.kind == kind and found.claims_harm


def test_the_most_severe_harm_wins():
    found = severity("curfew tonight because of the gunman at Valley Fair")

    assert found.kind == "active_shooter" and found.weight == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "this ride is a killer",
        "shooting photos at Levi's",
        "shooting hoops at Central Park",
        "the bomb burrito at the Mercado",
        "Niners killed it tonight",
        "flu shots at Kaiser this weekend",
        "lockdown drill at Wilcox today, planned weeks ago",
        "my phone blew up after the game",
        "had a blast at Great America",
        "the line at Levi's was murder",
    ],
)
def test_innocent_uses_claim_no_harm(text: str):
    assert not severity(text).claims_harm


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("There was no shooting at Valley Fair", "no shooting"),
        ("police found no evidence of a bomb", "no evidence of a bomb"),
        ("La policía dice que no hubo balacera", "no hubo balacera"),
        ("Cảnh sát: không có bom ở trường", "không có bom"),
        ("警方说没有枪击", "没有枪击"),
        ('the "explosion" near Mission College was a transformer', "so-called explosion"),
    ],
)
def test_a_negated_or_scare_quoted_harm_is_named_but_not_claimed(text: str, phrase: str):
    found = severity(text)

    assert found.denied and not found.claims_harm
    assert found.phrase == phrase


@pytest.mark.parametrize(
    "text",
    [
        "no joke, shooter at valley fair",
        "This is not a drill: gunman at SCU",
        "Not a rumor. Gunman at Valley Fair. Get out.",
        "No. There is a shooter at Valley Fair",
    ],
)
def test_emphasis_and_other_sentences_do_not_negate_a_claim(text: str):
    assert severity(text).claims_harm


@pytest.mark.parametrize(
    "text",
    [
        "Heard gunshots near Rivermark Plaza but it was probably fireworks",
        "heard shots fired by Bowers Park, turned out to be kids with firecrackers",
        "Loud explosion on Scott Blvd, just a transformer",
        "Oí disparos cerca de Rivermark Plaza pero creo que eran cohetes",
        "Nghe tiếng súng gần Central Park, chắc là pháo thôi",
        "中央公园那边有枪声，原来是放鞭炮",
        "센트럴파크 총소리 신고 건, 경찰 확인 결과 불꽃놀이였대요",
    ],
)
def test_a_noise_the_writer_explains_away_is_named_but_not_claimed(text: str):
    found = severity(text)

    assert found.kind in ("active_shooter", "explosive")
    assert found.denied and not found.claims_harm
    assert " … " in (found.phrase or "")  # the noise, then the cause: "gunshots … fireworks"


@pytest.mark.parametrize(
    "text",
    [
        "Gunshots at Great America, police will say it was fireworks",
        "Shots fired at Valley Fair, not fireworks, people running",
        "Don't believe the fireworks story. Those were gunshots at Great America.",
        "Gunshots at Valley Fair. Fireworks later tonight are cancelled",
    ],
)
def test_an_explanation_put_in_others_mouths_or_denied_leaves_the_claim(text: str):
    assert severity(text).claims_harm


def test_a_claim_beside_a_denial_is_still_a_claim():
    found = severity("Police say there's no bomb but I saw the shooter myself")

    assert found.claims_harm and found.kind == "active_shooter"
    assert found.denied_phrase == "no bomb"


@pytest.mark.slow
def test_the_prefilter_never_changes_what_a_word_list_finds():
    """Each list rules posts out by their words' first letters before running the regular
    expression: over every training and validation text it must find exactly the same."""
    texts = [
        t.lower()
        for name in ("posts.csv", "validation.csv")
        for t in pd.read_csv(TRAINING / name, keep_default_na=False)["text"]
    ]
    lists = word_lists()
    filtered = [lst for lst in lists if lst.triggers is not None]
    assert len(filtered) >= 10  # the prefilter is really in use
    assert len(texts) > 2_500  # every training and validation text was read
    for text in texts:
        for word_list in lists:
            fast, full = word_list.search(text), word_list.regex.search(text)
            assert (fast and fast.span()) == (full and full.span()), (word_list.pattern[:40], text)


def test_one_pass_scan_finds_each_list_by_name():
    scan = one_pass({"denial": DENIAL, "relay": RELAY})

    found = {m.lastgroup for m in scan.finditer("police said there was no threat")}

    assert found == {"denial", "relay"}


# --- locality -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level", "places"),
    [
        ("shooter at Valley Fair", "local", ("Westfield Valley Fair",)),
        ("gunman at levis stadium", "local", ("Levi's Stadium",)),
        ("something going on in Santa Clara tonight", "local", ("Santa Clara",)),
        ("shooting in Santa Clarita", "elsewhere", ()),
        ("shooting in San Jose on East Santa Clara Street", "elsewhere", ()),
        ("Santa Clara County sheriff searching for a suspect", "regional", ("Santa Clara County",)),
        ("the shooting is in Santa Clarita, not Santa Clara", "mixed", ("Santa Clara",)),
        ("gunman somewhere downtown", "unknown", ()),
    ],
)
def test_locality_tells_the_city_from_places_that_sound_like_it(text, level, places):
    found = GAZETTEER.locate(text)

    assert found.level == level
    assert found.places == places


def test_other_places_are_reported_as_configured():
    found = GAZETTEER.locate("shots fired in santa clarita and san jose")

    assert found.elsewhere == ("Santa Clarita", "San Jose")


# --- voice and accounts -------------------------------------------------------------------


def test_voice_flags_each_way_of_speaking():
    assert voice("OFFICIAL NOTICE: curfew by order of the police").official_notice
    assert voice("SCPD says the mall is safe").relay
    assert voice("my cousin works there and says it's bad").hearsay
    assert voice("is it true there's a shooter at Levi's?").question
    assert voice("there is no threat").denial_phrase == "there is no threat"
    plain = voice("Great game at Levi's tonight")
    assert not (plain.official_notice or plain.relay or plain.hearsay or plain.question)


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("SantaClaraPD", True),
        ("@santaclarapd", True),
        ("Santa Clara PD", True),
        ("santa_clara_police", True),
        ("SantaClaraPD_fan", False),
        ("Santa Clara Police Fans", False),
        (None, False),
    ],
)
def test_department_accounts_are_recognised_exactly(author, expected):
    assert is_department(author, classify_settings().department_accounts) is expected


# --- spread -------------------------------------------------------------------------------


def test_reach_counts_shares_double_and_unknown_as_nothing():
    assert reach(10, 5, 2) == 22
    assert reach(None, None, None) == 0


def test_reach_in_sql_is_the_same_formula(db):
    """The store's rumour reach and the ranker's spread must agree (one formula, twice)."""
    from sqlalchemy import select

    from rumordesk.store.posts import save_batch
    from rumordesk.store.records import Batch, Metrics, Post, Provenance
    from rumordesk.store.schema import posts

    rows = [(10, 5, 2, 1), (None, 3, None, None), (None, None, None, None), (7, None, 4, 2)]
    batch = tuple(
        Post(
            source="s",
            source_id=str(n),
            channel="x",
            text=f"post {n}",
            provenance=Provenance.now(None, "test"),
            metrics=Metrics(likes=likes, shares=shares, replies=replies, quotes=quotes),
        )
        for n, (likes, shares, replies, quotes) in enumerate(rows)
    )
    save_batch(db, "s", Batch(batch, {}), now=datetime(2026, 11, 1, tzinfo=UTC))
    with db.read() as connection:
        in_sql = connection.scalars(select(reach_sql(posts)).order_by(posts.c.source_id)).all()
    assert in_sql == [
        reach(likes, shares, replies, quotes) for likes, shares, replies, quotes in rows
    ]


def test_spread_grows_with_reach_story_size_and_speed():
    assert spread_weight(0) == 0
    assert spread_weight(30) < spread_weight(1000) < spread_weight(100_000) <= 1.0
    assert spread_weight(1000, 10) > spread_weight(1000, 1)
    assert spread_weight(5000, 1, age_hours=0.3) > spread_weight(5000, 1, age_hours=30)
    assert spread_weight(10**9, 10**6, age_hours=0.01) == 1.0
