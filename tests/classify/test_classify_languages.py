"""Every language of Santa Clara has its cues: a harm claimed and a harm negated, a place,
hearsay, an official notice, a question, a relay of the Department, and the claim's parts
the relation step compares (a suspect at large or in custody, an order given or lifted,
a count). Each row is a post written for this test, in that language as people post."""

from __future__ import annotations

import re

import pytest

from rumordesk.classify.claims import read_parts
from rumordesk.classify.scanner import SCRIPTS, lowered, phrase_list
from rumordesk.classify.signals import Gazetteer, severity, voice
from tests.helpers.classify import classify_settings, word_lists

GAZETTEER = Gazetteer.from_settings(classify_settings())

CUES: dict[str, dict[str, str]] = {
    "es": {
        "harm": "Hay un tirador en la escuela, corran",
        "negated": "No hubo balacera, fueron cohetes",
        "place": "Balacera afuera de Valley Fair",
        "hearsay": "Dicen que hubo disparos en el parque",
        "notice": "AVISO OFICIAL: toque de queda desde las 9",
        "question": "¿Alguien sabe qué pasó en el Mercado?",
        "relay": "La policía dijo que todo está tranquilo",
        "at_large": "El asaltante sigue suelto por el centro",
        "order": "Orden de evacuación para toda la calle",
        "count": "Hay tres muertos en el estacionamiento",
    },
    "vi": {
        "harm": "Có người xả súng ở siêu thị",
        "negated": "Không có nổ súng, chỉ là pháo hoa",
        "place": "Có người xả súng ở Valley Fair",
        "hearsay": "Nghe nói có bom ở trường",
        "notice": "Thông báo chính thức: lệnh giới nghiêm tối nay",
        "question": "Có ai biết chuyện gì xảy ra không?",
        "relay": "Cảnh sát cho biết mọi thứ đã ổn",
        "at_large": "Tên cướp vẫn đang lẩn trốn gần trường",
        "order": "Có lệnh sơ tán cả khu này",
        "count": "Có ba người chết ở bãi đậu xe",
    },
    "zh-Hans": {
        "harm": "商场里有人开枪",
        "negated": "警方说没有枪击",
        "place": "中央公园有人开枪",
        "hearsay": "听说学校有炸弹",
        "notice": "紧急通知:今晚全市宵禁",
        "question": "是真的吗?有人知道吗",
        "relay": "警方表示一切正常",
        "at_large": "抢劫的人还在逃",
        "order": "整条街都要疏散",
        "count": "停车场有三个人受伤",
    },
    "zh-Hant": {
        "harm": "超市裡有人開槍",
        "negated": "警方說沒有槍擊",
        "place": "會展中心有人開槍",
        "hearsay": "聽說學校有炸彈",
        "notice": "緊急通知:今晚全市宵禁",
        "question": "是真的嗎?",
        "relay": "警方說一切正常",
        "at_large": "搶劫的人還沒抓到",
        "order": "整條街都要撤離",
        "count": "停車場有兩個人受傷",
    },
    "ko": {
        "harm": "쇼핑몰에서 총격 사건 발생",
        "negated": "총격 아니래요 그냥 폭죽이에요",
        "place": "밸리페어에서 총소리 났어요",
        "hearsay": "학교에 폭탄 있대요",
        "notice": "[긴급] 오늘 밤 통행금지",
        "question": "무슨 일이에요? 진짜예요?",
        "relay": "경찰 발표: 이상 없음",
        "at_large": "강도 아직 못 잡았대요",
        "order": "아파트 전체 대피령",
        "count": "주차장에서 세 명 다쳤어요",
    },
    "tl": {
        "harm": "May namamaril sa mall",
        "negated": "Walang pamamaril, paputok lang yun",
        "place": "May barilan sa Valley Fair",
        "hearsay": "Sabi daw may bomba sa school",
        "notice": "Opisyal na abiso: curfew mamaya",
        "question": "Totoo ba? Ano ang nangyari?",
        "relay": "Ayon sa pulis, ligtas na",
        "at_large": "Nakatakas yung holdaper sa may kanto",
        "order": "Lumikas na kayo, bawal lumabas mamaya",
        "count": "Tatlong patay daw sa parking",
    },
    "hi": {
        "harm": "मॉल में गोलीबारी हो रही है",
        "negated": "कोई गोलीबारी नहीं हुई, पटाखे थे",
        "place": "वैली फ़ेयर में गोलीबारी",  # with the nukta, as many write it
        "hearsay": "सुना है स्कूल में बम है",
        "notice": "पुलिस की सूचना: आज रात कर्फ़्यू",
        "question": "क्या हुआ? किसी को पता है?",
        "relay": "पुलिस ने कहा सब ठीक है",
        "at_large": "लुटेरा अभी भी फरार है",
        "order": "सब लोग घर खाली करें",
        "count": "पार्किंग में तीन लोग घायल हैं",
    },
    "hi-Latn": {
        "harm": "Mall mein firing hui abhi",
        "negated": "Koi firing nahi hui yaar, patakhe the",
        "place": "Valley Fair mein goli chali",
        "hearsay": "Mere cousin ne bola school mein bomb hai",
        "notice": "Police ka official msg: aaj raat curfew",
        "question": "Sach hai kya? Kisi ko pata hai?",
        "relay": "Police ne bola sab theek hai",
        "at_large": "Robber abhi bhi farar hai bhai",
        "order": "Building khaali karo jaldi",
        "count": "Parking mein teen log injured hai",
    },
}
LANGUAGES = sorted(CUES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_harm_is_claimed_and_a_negated_one_is_only_named(lang: str):
    claimed, negated = severity(CUES[lang]["harm"]), severity(CUES[lang]["negated"])

    assert claimed.claims_harm, lang
    assert negated.kind is not None and negated.denied and not negated.claims_harm, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_place_is_found(lang: str):
    found = GAZETTEER.locate(CUES[lang]["place"])

    assert found.level == "local" and found.places != ("Santa Clara",), lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_voice_is_heard(lang: str):
    cues = CUES[lang]
    assert voice(cues["hearsay"]).hearsay, lang
    assert voice(cues["notice"]).official_notice, lang
    assert voice(cues["question"]).question, lang
    assert voice(cues["relay"]).relay, lang
    assert voice(cues["negated"]).denial, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_parts_the_relation_step_compares_are_read(lang: str):
    cues = CUES[lang]
    assert read_parts(cues["at_large"])["at_large"], lang
    assert read_parts(cues["order"])["order"], lang
    assert read_parts(cues["count"])["count"] >= 2, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_plain_post_in_the_language_claims_nothing(lang: str):
    chatter = {
        "es": "Los tacos del Mercado están buenísimos hoy",
        "vi": "Hôm nay đi Valley Fair mua sắm vui quá",
        "zh-Hans": "中央公园的樱花开了,周末去拍照",
        "zh-Hant": "今天去 Valley Fair 逛街,人好多",
        "ko": "오늘 머카도 떡볶이 진짜 맛있었어요",
        "tl": "Ang sarap ng kain namin sa Mercado kanina",
        "hi": "सेंट्रल पार्क में आज मेला बहुत अच्छा था",
        "hi-Latn": "Central Park mein aaj mela bahut accha tha yaar",
    }[lang]
    said = voice(chatter)
    assert not severity(chatter).claims_harm
    assert not (said.denial or said.official_notice or said.hearsay)


def test_devanagari_phrases_are_written_without_the_nukta():
    """Text is matched without it (scanner.lowered); a phrase with one could never match."""
    nukta = re.compile("[\u093c\u0958-\u095f]")
    devanagari = [w for w in word_lists() if w.script == "devanagari"]
    assert len(devanagari) >= 15
    for lexicon in devanagari:
        for phrase in lexicon.alternatives:
            assert not nukta.search(phrase), phrase
    assert lowered("फ़ायरिंग") == lowered("फायरिंग") == "फायरिंग"


def test_every_phrase_list_is_written_in_its_script():
    phrase_lists = [w for w in word_lists() if w.script is not None]
    assert {w.script for w in phrase_lists} == set(SCRIPTS)
    for lexicon in phrase_lists:
        for phrase in lexicon.alternatives:
            assert SCRIPTS[lexicon.script].search(phrase), (lexicon.script, phrase)
    with pytest.raises(ValueError, match="unknown script"):
        phrase_list("x", script="latin")


def test_a_phrase_list_is_searched_only_in_text_of_its_script():
    korean = phrase_list("총격", script="hangul")

    assert korean.search("밸리페어 총격이래요") is not None
    assert not korean.possible("shooting at Valley Fair")
    assert not korean.possible("商场里有人开枪")
