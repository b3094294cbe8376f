"""What chat text keeps and what it loses: ordinary words stay, links and mentions go."""

from __future__ import annotations

import pytest

from rumordesk.triage.alerts.message import neutralise


@pytest.mark.parametrize(
    "text",
    [
        "ACTIVE SHOOTER at Great America right now, people running, stay away",
        "3.5 miles from Levi's Stadium, 10:30 p.m., U.S. 101 closed",
        "Tiroteo en Valley Fair — ¿es verdad? 2 heridos",
    ],
)
def test_ordinary_text_is_unchanged(text):
    assert neutralise(text) == text
    assert neutralise(text, slack=True) == text


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("go to https://evil.example/path?x=1 now", "https://evil.example", "evil[.]example"),
        ("see bit.ly/abc", "bit.ly", "bit[.]ly"),
        ("ping http://10.0.0.1:8080/", "http://10.0.0.1", "http[:]//10"),
        ("@here @channel ＠everyone", "@here", "@\u2060here"),
    ],
)
def test_links_and_mentions_are_defanged(text, gone, kept):
    assert gone not in neutralise(text)
    assert kept in neutralise(text)


def test_slack_control_characters_are_escaped_and_lines_joined():
    out = neutralise("<!channel>\n> quote & <@U1|x>", slack=True)
    assert out == "&lt;!channel&gt; &gt; quote &amp; &lt;@\u2060U1|x&gt;"
