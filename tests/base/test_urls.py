"""base.urls: the only links kept, shown, reported or called are absolute http(s) ones."""

from __future__ import annotations

import pytest

from rumordesk.base.urls import is_http_url, safe_url


@pytest.mark.parametrize(
    "link",
    [
        "https://www.santaclaraca.gov/news/1?a=1&b=2",
        "http://example.org/",
        "HTTPS://EXAMPLE.ORG/Path",
    ],
)
def test_absolute_http_links_are_kept(link):
    assert safe_url(link) == link


def test_surrounding_whitespace_is_trimmed():
    assert safe_url("  https://example.org/a \n") == "https://example.org/a"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JavaScript:alert(document.domain)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "mailto:pio@example.org",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "/news/123",
        "news/123",
        "//example.org/protocol-relative",
        "http://",
        "http:///no-host",
        "",
        None,
    ],
)
def test_anything_but_absolute_http_is_refused_without_a_base(link):
    assert safe_url(link) is None


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/news/123", "https://city.example/news/123"),
        ("item?id=7", "https://city.example/feeds/item?id=7"),
        ("../about", "https://city.example/about"),
        ("//cdn.example/x.jpg", "https://cdn.example/x.jpg"),
        ("https://other.example/a", "https://other.example/a"),
    ],
)
def test_relative_links_are_resolved_against_the_base(link, expected):
    assert safe_url(link, "https://city.example/feeds/rss.xml") == expected


@pytest.mark.parametrize(
    ("link", "base"),
    [
        ("javascript:alert(1)", "https://city.example/feed"),
        ("data:text/html,x", "https://city.example/feed"),
        ("mailto:a@b.example", "https://city.example/feed"),
        ("page.html", "javascript:alert(1)"),
        ("page.html", "ftp://city.example/feed"),
    ],
)
def test_a_base_never_turns_an_unsafe_link_into_a_kept_one(link, base):
    assert safe_url(link, base) is None


@pytest.mark.parametrize("link", ["http://[::1", "https://[not-an-ip]/x"])
def test_a_link_that_cannot_be_parsed_is_dropped_not_raised(link):
    assert safe_url(link) is None
    assert safe_url("page.html", link) is None
    assert not is_http_url(link)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://hooks.example.org/a", True),
        ("HTTP://relay.internal:8080/x", True),
        ("http://[::1]:8080/", True),
        ("https://", False),
        ("http://:80/", False),
        ("https://user@/x", False),
        ("ftp://example.org/", False),
        ("example.org/hook", False),
        ("", False),
    ],
)
def test_is_http_url_needs_an_http_scheme_and_a_host(value, expected):
    assert is_http_url(value) is expected
