"""Screenshot text: what phones produce — dark mode, chat bubbles of both colours, app
chrome around the post, a photo of a screen — read back in the languages of Santa Clara.
Screenshots are drawn with Pillow from a known text (tests/helpers/screenshots.py)."""

from __future__ import annotations

import pytest
from PIL import Image

from rumordesk.collectors import ocr
from rumordesk.collectors.ocr import OcrFailed, OcrUnavailable, extract_text
from rumordesk.collectors.ocr_image import prepare
from tests.helpers import screenshots
from tests.helpers.ocr import character_error_rate, require_ocr

pytestmark = pytest.mark.slow

ENGLISH = (
    "Is it true there is an active shooter at Valley Fair?? My cousin works at Macy's and "
    "says three people are dead. Stay away from the mall!"
)
SPANISH = (
    "¿Es verdad que hay un tirador activo en Valley Fair? Mi primo dice que hay tres "
    "muertos. ¡No vayan al centro comercial!"
)


@pytest.fixture(autouse=True)
def _engine() -> None:
    require_ocr()


def test_a_post_in_dark_mode_is_read_without_the_apps_chrome():
    shot = screenshots.png(screenshots.render_post(ENGLISH, dark=True, app="Nextdoor"))
    read = extract_text(shot)
    assert character_error_rate(ENGLISH, read.text) <= 0.05, read.text
    for chrome in ("9:41", "Like", "Comment", "Nextdoor", "reactions"):
        assert chrome not in read.text
    assert "inverted dark mode" in read.steps
    assert read.languages.startswith("eng") and read.script == "Latin"
    assert 0.8 <= read.confidence <= 1.0
    assert read.engine.startswith("tesseract ")


def test_spanish_in_chat_bubbles_of_both_colours():
    first, second = SPANISH.split("? ", 1)
    image = screenshots.render_chat([(False, first + "?"), (True, second)], lang="es")
    read = extract_text(screenshots.png(image))
    assert character_error_rate(SPANISH, read.text) <= 0.05, read.text
    assert "16:04" not in read.text and "Neighborhood group" not in read.text


def test_a_photo_of_the_screen_tilted_blurred_and_unevenly_lit():
    photo = screenshots.photographed(screenshots.render_post(ENGLISH), seed=4)
    read = extract_text(screenshots.jpeg(photo, 85))
    assert character_error_rate(ENGLISH, read.text) <= 0.08, read.text


@pytest.mark.parametrize(
    ("lang", "text", "expected_languages"),
    [
        ("zh-Hant", "聽說Valley Fair有槍手，已經有三個人死了，大家不要去商場！", "chi_tra"),
        (
            "vi",
            "Có ai biết chuyện gì ở Valley Fair không? Nghe nói có người nổ súng.",
            "vie",
        ),
        ("hi", "क्या यह सच है कि वैली फेयर में गोलीबारी हुई है?", "hin"),
    ],
)
def test_the_script_decides_the_languages_read(lang, text, expected_languages):
    read = extract_text(screenshots.png(screenshots.render_post(text, lang=lang)))
    assert read.languages.startswith(expected_languages)
    typed = "".join(text.split()) if lang.startswith("zh") else text
    got = "".join(read.text.split()) if lang.startswith("zh") else read.text
    wide = str.maketrans({"，": ",", "！": "!"})
    assert character_error_rate(typed.translate(wide), got.translate(wide)) <= 0.2, read.text


def test_korean_in_chat_bubbles_on_a_dark_screen():
    # the engine's automatic page layout took both bubbles for pictures and read neither
    first, second = "친구가 컨벤션 센터에 인질이", "있고 특공대가 오고 있다고 했어요."
    chat = screenshots.render_chat([(False, first), (True, second)], lang="ko", dark=True)
    read = extract_text(screenshots.png(chat))
    assert read.languages.startswith("kor")
    # word spacing counts: the engine's own blanks, not its syllable-by-syllable boxes
    assert character_error_rate(f"{first} {second}", read.text) <= 0.1, read.text


def test_korean_words_the_english_model_misread_are_read_in_korean():
    first, second = "밸리 페어에 총격범이 있다는 게 사실인가요?", "사촌이 세 명이 죽었다고 했어요."
    chat = screenshots.render_chat([(False, first), (True, second)], lang="ko")
    read = extract_text(screenshots.png(chat))
    assert "총격범이" in read.text, read.text  # "SA HO]" with English beside Korean


def test_hindi_on_a_blue_bubble_is_read_once_and_wins_over_latin_guesses():
    first = "दस मिनट पहले सांता क्लारा यूनिवर्सिटी के"
    second = "पास गोलियों की आवाज़ सुनी। हर तरफ पुलिस है।"
    chat = screenshots.render_chat([(False, first), (True, second)], lang="hi")
    read = extract_text(screenshots.png(chat))
    assert read.languages.startswith("hin")
    assert character_error_rate(f"{first} {second}", read.text) <= 0.1, read.text
    assert read.text.count("गोलियों") == 1


def test_vietnamese_keeps_its_marks_where_a_word_is_also_english():
    text = "Đường Lafayette bị đóng vì vỡ ống nước. Mọi người đi đường Bowers cho đến sáng mai."
    read = extract_text(screenshots.png(screenshots.render_post(text, lang="vi")))
    assert read.languages == "vie"
    assert character_error_rate(text, read.text) <= 0.03, read.text


def test_preparation_inverts_dark_areas_only_where_they_are():
    light_chat = screenshots.render_chat([(True, "white text on a blue bubble")])
    prepared = prepare(light_chat, thorough=True)
    assert any("bubbles" in step for step in prepared.steps)
    assert prepared.image.mode == "L" and set(prepared.image.tobytes()) <= {0, 255}
    plain = prepare(screenshots.render_post("a light post"), thorough=False)
    assert plain.steps == () and plain.image.mode == "L"
    small = prepare(Image.new("RGB", (400, 300), "white"), thorough=False)
    assert small.scale > 1 and small.image.width >= 1000


def test_an_image_that_is_not_one_is_a_clear_failure():
    with pytest.raises(OcrFailed, match="cannot be read"):
        extract_text(b"not an image at all")


def test_a_missing_engine_says_what_to_install(monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr.engine_version.cache_clear()
    ocr.installed_languages.cache_clear()
    try:
        with pytest.raises(OcrUnavailable, match="apt-get install tesseract-ocr"):
            extract_text(screenshots.png(screenshots.render_post("text")))
        assert "Tesseract is not installed" in (ocr.check_engine() or "")
    finally:
        ocr.engine_version.cache_clear()
        ocr.installed_languages.cache_clear()
