"""Other places called Santa Clara, told apart by the rest of the post ([[classify.namesakes]]
and city_context in config.toml): Santa Clara in Cuba and in Utah, Santa Clara Pueblo,
East Santa Clara Street in San Jose, the unincorporated county; and the city's places in
Chinese, Korean and Hindi."""

from __future__ import annotations

import numpy as np
import pytest

from rumordesk.classify.rank import Ranker
from rumordesk.classify.signals import Gazetteer
from tests.helpers.classify import classify_settings, post

GAZETTEER = Gazetteer.from_settings(classify_settings())


@pytest.mark.parametrize(
    ("text", "namesake"),
    [
        # Named outright by one of its places.
        ("Apagón otra vez en el Parque Vidal, la gente con cazuelas", "Santa Clara, Cuba"),
        ("Shots fired near Snow Canyon High last night, deputies on scene", "Santa Clara, Utah"),
        ("Shooting reported on East Santa Clara by 13th, avoid downtown", "East Santa Clara"),
        ("Stabbing near SJSU on Santa Clara, cops everywhere", "East Santa Clara Street, San Jose"),
        # A bare "Santa Clara" that the rest of the post places elsewhere.
        ("Balacera en Santa Clara anoche, la provincia entera sin corriente", "Santa Clara, Cuba"),
        (
            "Protests in Santa Clara tonight, power out across the whole province",
            "Santa Clara, Cuba",
        ),
        (
            "Gunman reported in Santa Clara, Utah police say schools are locked down",
            "Santa Clara, Utah",
        ),
        (
            "shooting at the Santa Clara Pueblo feast day, anyone near Española?",
            "Santa Clara, New Mexico",
        ),
        (
            "Stabbing in unincorporated Santa Clara County near San Martin, Sheriff on scene",
            "unincorporated Santa Clara County",
        ),
        ("古巴 Santa Clara 又停电了,抗议的人很多", "Santa Clara, Cuba"),
    ],
)
def test_another_santa_clara_is_elsewhere(text: str, namesake: str):
    found = GAZETTEER.locate(text)

    assert found.level == "elsewhere", found
    assert any(name.startswith(namesake) for name in found.elsewhere), found


@pytest.mark.parametrize(
    "text",
    [
        "Shooting in Santa Clara tonight, everyone stay inside",  # nothing says otherwise
        "Shooting in Santa Clara, California tonight, not the one in Cuba",  # the state named
        "SCPD says there were arrests near Levi's in Santa Clara, unlike the Cuba protests",
        "Santa Clara County deputies searching near Santa Clara High",  # the city's place
    ],
)
def test_the_city_stays_the_city(text: str):
    assert GAZETTEER.locate(text).level in ("local", "mixed")


def test_the_county_alone_is_regional_not_elsewhere():
    found = GAZETTEER.locate("Santa Clara County sheriff searching for a suspect")

    assert found.level == "regional"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("밸리페어에서 총소리 났어요", "Westfield Valley Fair"),
        ("리바이스 스타디움 근처 통제", "Levi's Stadium"),
        ("中央公园晚上有人打架", "Central Park"),
        ("會展中心發現可疑包裹", "Santa Clara Convention Center"),
        ("सेंट्रल पार्क में भीड़ है", "Central Park"),
        ("लेवीज़ स्टेडियम के बाहर पुलिस", "Levi's Stadium"),
    ],
)
def test_the_citys_places_are_found_in_other_scripts(text: str, place: str):
    found = GAZETTEER.locate(text)

    assert found.level == "local" and place in found.places


def test_san_jose_in_other_scripts_is_elsewhere():
    assert GAZETTEER.locate("산호세 다운타운에서 총격").level == "elsewhere"
    assert GAZETTEER.locate("圣何塞市中心发生枪击").level == "elsewhere"


def test_a_namesake_sinks_the_claim_and_the_reason_says_where():
    ranker = Ranker(lambda texts: np.full(len(texts), 0.9), classify_settings())
    here, cuba = ranker.rank(
        [
            post("here", "Balacera en Santa Clara anoche, hay heridos"),
            post(
                "cuba", "Balacera en Santa Clara anoche, hay heridos, toda la provincia a oscuras"
            ),
        ],
        [],
    )

    assert here.locality.level == "local" and cuba.locality.level == "elsewhere"
    assert cuba.probability < 0.5 < here.probability
    assert "about Santa Clara, Cuba, not Santa Clara" in cuba.reasons
