"""collectors.text: what reaches the store is plain text."""

from __future__ import annotations

import unicodedata

import pytest

from rumordesk.collectors.text import (
    MAX_TEXT_CHARS,
    html_to_text,
    join_title_and_body,
    normalise_whitespace,
)


def lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


# -- html_to_text ---------------------------------------------------------------------------


def test_tags_are_stripped_and_words_kept():
    markup = (
        '<p>Road <b>closed</b> at <a href="https://x.example/">El Camino</a> &amp; Lafayette</p>'
    )
    assert html_to_text(markup) == "Road closed at El Camino & Lafayette"


@pytest.mark.parametrize(
    "markup",
    [
        "Hello<script>alert('pwned')</script> world",
        "Hello<SCRIPT type='text/javascript'>document.cookie</SCRIPT> world",
        "Hello<style>body { color: red }</style> world",
        "Hello<noscript>enable js</noscript> world",
        "Hello<template><p>hidden</p></template> world",
        "<head><title>page title</title></head>Hello world",
        "Hello<script>if (a < b && c > d) { x('</p>') }</script> world",
    ],
)
def test_script_style_and_other_invisible_content_is_dropped(markup):
    assert html_to_text(markup) == "Hello world"


@pytest.mark.parametrize(
    "markup",
    [
        "&lt;script&gt;alert(1)&lt;/script&gt;Hello",
        "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Hello",
        "<![CDATA[<script></script>]]&gt;Hello",
        "<p>&lt;b&gt;Hello&lt;/b&gt;</p>",
    ],
)
def test_escaped_markup_never_comes_out_as_tags(markup):
    """Double-escaped HTML (a common feed bug) must not leave tags in the plain text."""
    text = html_to_text(markup)
    assert "<script" not in text.lower()
    assert "<b>" not in text
    assert "Hello" in text


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("Fish &amp; Chips", "Fish & Chips"),
        ("it&#8217;s closed", "it\u2019s closed"),
        ("it&#x2019;s closed", "it\u2019s closed"),
        ("it&rsquo;s closed", "it\u2019s closed"),
        ("Main&nbsp;St", "Main St"),
        ("a&nbsp;&nbsp;&nbsp;b", "a b"),
        ("&quot;quoted&quot; &lt;3", '"quoted" <3'),
        ("AT&T and R&D", "AT&T and R&D"),
    ],
)
def test_entities_are_decoded(markup, expected):
    assert html_to_text(markup) == expected


def test_text_that_only_looks_like_markup_is_kept():
    assert html_to_text("5 < 6 and 7 > 3") == "5 < 6 and 7 > 3"
    assert html_to_text("I <3 Santa Clara") == "I <3 Santa Clara"


def test_blocks_become_lines_and_whitespace_is_folded():
    text = html_to_text("<p>  One \t  two </p>\n\n\n<p>Three</p><div>Four<br>Five</div>")
    assert lines(text) == ["One two", "Three", "Four", "Five"]
    assert "\n\n\n" not in text
    assert text == text.strip()


def test_plain_text_whitespace_is_normalised():
    assert normalise_whitespace("  Road\r\n\r\n\r\n\r\nclosed \t now  ") == "Road\n\nclosed now"


@pytest.mark.parametrize(
    "dirty",
    [
        "Road\x00closed",
        "Road\x07closed",
        "Road\x1b[31mclosed",
        "Road\x7fclosed",
        "Road\u202eclosed",  # right-to-left override, used to disguise text
        "Road\ufeffclosed",
        "<p>Road\x00closed</p>",
        "<p>Road&#0;closed</p>",
    ],
)
def test_control_characters_and_nul_are_removed(dirty):
    text = html_to_text(dirty)
    assert "Road" in text and "closed" in text
    assert all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf") for ch in text), text
    assert "\x00" not in text


def test_text_is_nfc_and_capped():
    assert html_to_text("Cafe\u0301") == "Caf\u00e9"
    assert len(html_to_text("word " * MAX_TEXT_CHARS)) <= MAX_TEXT_CHARS


@pytest.mark.parametrize("empty", [None, "", "   ", "<p> </p>", "<script>x()</script>"])
def test_nothing_visible_is_empty_text(empty):
    assert html_to_text(empty) == ""


def test_unclosed_object_does_not_swallow_the_rest_of_the_post():
    """``<object>`` children are fallback content a reader sees; an unclosed one is common."""
    assert html_to_text('safe<object classid="clsid:C932BA85"> description') == "safe description"


# -- join_title_and_body ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("Road closed", "Road closed", "Road closed"),
        ("Road closed", "Road closed on El Camino until 5pm", "Road closed on El Camino until 5pm"),
        (
            "Road closed on El Camino until 5pm",
            "Road closed on El Camino",
            "Road closed on El Camino until 5pm",
        ),
        ("", "Only a body", "Only a body"),
        ("Only a title", "", "Only a title"),
        ("", "", ""),
        (
            "Shots fired?",
            "Police say it was fireworks.",
            "Shots fired?\n\nPolice say it was fireworks.",
        ),
        # A title that is only a prefix of the body's first word is not repeated text.
        ("Fire", "Firefighters rescue a cat", "Fire\n\nFirefighters rescue a cat"),
    ],
)
def test_title_and_body(title, body, expected):
    assert join_title_and_body(title, body) == expected


def test_the_title_is_not_repeated_when_the_body_only_differs_in_punctuation():
    """Google News: title "Headline - Source", description "Headline  Source"."""
    title = "Trump again shrinks two national monuments in Utah - The Washington Post"
    body = "Trump again shrinks two national monuments in Utah The Washington Post"
    assert join_title_and_body(title, body) == title


def test_a_title_without_words_does_not_hide_the_body():
    """Reddit link posts are often titled "." and carry their words in the body."""
    assert join_title_and_body(".", "submitted by /u/someone") == "submitted by /u/someone"
