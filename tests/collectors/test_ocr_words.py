"""From the engine's words to the post's text, without the engine: the words are made
here, placed as Tesseract places them (boxes in pixels, one line per key)."""

from __future__ import annotations

from rumordesk.collectors.ocr import Word, glue, is_vietnamese, post_words
from rumordesk.collectors.ocr import _text as text_of


def words_in_line(
    texts: list[str], *, line: int = 0, top: int = 300, size: float = 46.0, step: int = 0
) -> list[Word]:
    """Words left to right, each 30 px wide per character, ``step`` px apart (default:
    a space of a third of the size)."""
    out: list[Word] = []
    left = 40
    for text in texts:
        width = 30 * len(text)
        out.append(Word(text, 0.95, 1, (1, 0, line), size, top, width, 40, left))
        left += width + (step or int(size / 3))
    return out


def test_the_engines_blanks_decide_where_korean_words_end():
    # hOCR lists Korean a syllable or two at a time; the plain text has the real spaces
    words = words_in_line(["친", "구", "가", "컨벤션", "인", "질", "이"])
    glued = glue(words, "친구가 컨벤션 인질이\n")
    assert [w.glued for w in glued] == [False, True, True, False, False, True, True]
    assert text_of(glued) == "친구가 컨벤션 인질이"


def test_words_stay_unglued_when_the_two_outputs_disagree():
    words = words_in_line(["Is", "it", "true"])
    assert all(w.glued is None for w in glue(words, "Is it false\n"))
    assert text_of(glue(words, "Is it false\n")) == "Is it true"


def test_korean_lines_are_joined_with_a_space_chinese_lines_without():
    korean = [*words_in_line(["강아지를"], line=0), *words_in_line(["잃어버렸어요."], line=1)]
    assert text_of(korean) == "강아지를 잃어버렸어요."
    chinese = [*words_in_line(["大学附"], line=0), *words_in_line(["近听到"], line=1)]
    assert text_of(chinese) == "大学附近听到"


def test_a_row_of_icons_read_as_letters_is_dropped():
    post = words_in_line(["Stay", "away", "from", "the", "mall!"], line=0)
    tabs = words_in_line(["O", "O", "L)", "O", "O"], line=1, top=900, step=170)
    kept, dropped = post_words([*post, *tabs])
    assert text_of(kept) == "Stay away from the mall!"
    assert "O O L) O O" in dropped
    # one-letter words in running text are not icons
    kept, _ = post_words(words_in_line(["I", "a", "o", "y", "e"]))
    assert text_of(kept) == "I a o y e"


def test_a_word_read_twice_over_the_same_ink_is_kept_once():
    line = words_in_line(["पास", "गोलियों", "की"])
    again = Word("गोलियों", 0.96, 1, (1, 0, 0), 46.0, 327, 200, 40, line[1].left + 10)
    kept, _ = post_words([*line, again])
    assert text_of(kept) == "पास गोलियों की"


def test_borders_and_counters_are_not_the_post():
    post = words_in_line(["[", "Stay", "away", "from", "the", "mall!", ")"], line=0)
    counters = words_in_line(["214", "reactions‘87", "comments"], line=1, top=400)
    kept, dropped = post_words([*post, *counters])
    assert text_of(kept) == "Stay away from the mall!"
    assert "214 reactions‘87 comments" in dropped


def test_vietnamese_is_told_by_letters_no_other_language_here_writes():
    assert is_vietnamese("Đường Lafayette bi đóng vi vỡ ống nước. Moi người đi đường Bowers")
    assert not is_vietnamese("¿Es verdad que hay un tirador activo en Valley Fair? Mi primo")
    assert not is_vietnamese("Sabi ng pulis ng Santa Clara walang banta sa Great America")
    assert not is_vietnamese("Ô")  # one letter is not enough


def test_a_korean_word_read_as_english_letters_is_read_again_in_korean():
    from rumordesk.collectors.ocr import SCRIPT_LETTERS, reread_latin

    mixed = words_in_line(["페어에", "SA", "HO]", "있다는"])
    mixed[1] = Word("SA", 0.0, 1, (1, 0, 0), 46.0, 300, 42, 40, mixed[1].left)
    mixed[2] = Word("HO]", 0.0, 1, (1, 0, 0), 46.0, 300, 61, 40, mixed[2].left)
    # the Korean pack alone, with loose boxes that do not line up with the English ones
    solo = [
        Word("총", 0.93, 1, (1, 0, 0), 46.0, 300, 29, 40, mixed[1].left - 10, glued=False),
        Word("격범이", 0.93, 1, (1, 0, 0), 46.0, 300, 90, 40, mixed[1].left + 25, glued=True),
    ]
    read = reread_latin(mixed, solo, SCRIPT_LETTERS["Hangul"])
    assert text_of(read) == "페어에 총격범이 있다는"
    # an English name read surely stays English
    named = words_in_line(["밸리", "Valley", "Fair"])
    guessed = [Word("밸리페어", 0.5, 1, (1, 0, 0), 46.0, 300, 300, 40, named[1].left)]
    assert text_of(reread_latin(named, guessed, SCRIPT_LETTERS["Hangul"])) == "밸리 Valley Fair"


def test_a_blue_bubble_on_a_light_screen_becomes_dark_text_on_white_without_a_ring():
    from PIL import Image, ImageDraw

    from rumordesk.collectors.ocr_image import prepare

    screen = Image.new("RGB", (1080, 900), "white")
    draw = ImageDraw.Draw(screen)
    draw.rounded_rectangle((400, 300, 1040, 420), radius=36, fill=(0, 122, 255))
    for x in range(440, 1000, 40):  # white strokes, a letter's width apart
        draw.rectangle((x, 330, x + 5, 390), fill="white")
    draw.rectangle((40, 600, 46, 660), fill=(28, 30, 33))  # black text on the page
    prepared = prepare(screen, thorough=False)
    pixels = prepared.image.load()
    assert "inverted light text on dark areas (bubbles, banners)" in prepared.steps
    assert pixels[442, 360] < 80  # the white stroke is now ink
    assert pixels[460, 360] > 200  # the blue between strokes is now page
    assert min(pixels[x, 302] for x in range(440, 1000)) > 200  # no dark ring at the edge
    assert pixels[420, 360] > 200 and pixels[300, 360] == 255  # nor beside it
    assert pixels[43, 630] < 80  # text on the page is left as it is
