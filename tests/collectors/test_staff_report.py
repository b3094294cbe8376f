"""Staff reports: stored as posts from `staff_report`, screenshots checked by content."""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

from rumordesk.cli.main import main
from rumordesk.collectors.staff_report import ReportRejected, submit
from rumordesk.store.posts import list_posts
from rumordesk.store.schema import audit_log, raw_payloads
from tests.helpers.settings import make_settings, write_config


def image(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def settings(tmp_path: Path):
    return make_settings(
        [], staff_reports={"screenshot_dir": str(tmp_path / "shots"), "max_screenshot_bytes": 4096}
    )


def raw_of(db, post_id: int) -> dict:
    with db.read() as connection:
        payload = connection.scalar(
            select(raw_payloads.c.payload).where(raw_payloads.c.post_id == post_id)
        )
    return json.loads(payload)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_report_is_a_post_with_its_screenshot_kept_by_hash(db, settings, fmt, tmp_path):
    data = image(fmt)
    post_id = submit(
        db,
        settings,
        url="https://nextdoor.com/p/xyz",
        text="  Active shooter at  Great America!! ",
        where="Nextdoor",
        reported_by="Officer Diaz",
        note="Seen in the Rivermark group",
        screenshot=data,
        filename="capture.bin",  # the name says nothing; the content decides
    ).post_id
    [post] = list_posts(db)
    assert post["id"] == post_id
    assert (post["source"], post["channel"]) == ("staff_report", "nextdoor")
    assert post["text"] == "Active shooter at Great America!!"
    assert post["url"] == "https://nextdoor.com/p/xyz" and not post["is_official"]
    raw = raw_of(db, post_id)
    assert raw["priority"] == "high" and raw["reported_by"] == "Officer Diaz"
    shot = raw["screenshot"]
    stored = Path(shot["path"]).read_bytes()  # the image re-encoded, kept by its own hash
    assert shot["sha256"] == hashlib.sha256(stored).hexdigest()
    assert shot["media_type"] == f"image/{fmt.lower()}"
    with Image.open(io.BytesIO(stored)) as kept, Image.open(io.BytesIO(data)) as sent:
        assert (kept.format, kept.size) == (sent.format, sent.size)
    assert Path(shot["path"]).parent == tmp_path / "shots"
    assert shot["captured_at"] and shot["filename"] == "capture.bin"


@pytest.mark.slow
def test_the_same_report_twice_is_one_post(db, settings):
    fields = dict(url=None, text="Bomb threat at Levi's", where="x", reported_by="Sgt Lee")
    first = submit(db, settings, **fields, screenshot=image("PNG"), filename="a.png")
    second = submit(db, settings, **fields, screenshot=image("PNG"), filename="a.png")
    assert first.post_id == second.post_id and first.new and not second.new
    assert len(list_posts(db)) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GIF89a" + b"\x00" * 40, "not a readable PNG, JPEG or WebP"),
        (b"not an image at all, although named shot.png", "not a readable"),
        (b"", "empty"),
    ],
)
def test_screenshots_are_checked_by_content_not_name(db, settings, data, reason):
    with pytest.raises(ReportRejected, match=reason):
        submit(
            db,
            settings,
            url=None,
            text="t",
            where="x",
            reported_by="A",
            note=None,
            screenshot=data,
            filename="shot.png",
        )
    assert list_posts(db) == []


def test_a_gif_is_refused_even_when_pillow_reads_it(db, settings):
    with pytest.raises(ReportRejected, match="GIF images are not accepted"):
        submit(
            db,
            settings,
            url=None,
            text="t",
            where="x",
            reported_by="A",
            note=None,
            screenshot=image("GIF"),
            filename="x.png",
        )


def test_a_screenshot_over_the_limit_is_refused(db, settings):
    noise = random.Random(5).randbytes(60 * 60 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (60, 60), noise).save(out, format="PNG")  # random: incompressible
    assert len(out.getvalue()) > 4096
    with pytest.raises(ReportRejected, match="the limit is 4,096"):
        submit(
            db,
            settings,
            url=None,
            text="t",
            where="x",
            reported_by="A",
            note=None,
            screenshot=out.getvalue(),
            filename="x.png",
        )
    assert list_posts(db) == []


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"text": "  "}, "needs the post's text"),
        ({"reported_by": ""}, "name of the staff member"),
        ({"where": "!!!"}, "say where the post was seen"),
        ({"url": "javascript:alert(1)"}, "not an http\\(s\\) URL"),
    ],
)
def test_incomplete_reports_are_refused(db, settings, fields, reason):
    base = {"url": None, "text": "t", "where": "x", "reported_by": "A", "note": None}
    with pytest.raises(ReportRejected, match=reason):
        submit(db, settings, **{**base, **fields}, screenshot=None, filename=None)


@pytest.mark.slow
def test_the_report_command_puts_the_report_at_the_top_of_the_queue(db, tmp_path, monkeypatch):
    from rumordesk.classify import scoring
    from rumordesk.classify.baseline import KeywordBaseline
    from rumordesk.store.schema import rumors

    # the configured model would be trained on first use; the keyword baseline stands in
    monkeypatch.setattr(
        scoring, "load_default_model", lambda *_: (KeywordBaseline().predict_proba, "keyword")
    )
    shot = tmp_path / "shot.jpg"
    shot.write_bytes(image("JPEG"))
    config = write_config(
        tmp_path / "c.toml",
        f'[storage]\ndatabase_url = "sqlite:///{db.url.database}"\n'
        f'[staff_reports]\nscreenshot_dir = "shots"\n',
    )
    args = [
        "--config",
        str(config),
        "report",
        "--text",
        "Gunfire at Valley Fair",
        "--where",
        "facebook",
        "--by",
        "Dispatcher Kim",
        "--screenshot",
        str(shot),
        "--url",
        "https://facebook.com/groups/1/posts/2",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "report stored as post" in result.output and "as rumour" in result.output
    # relative to the config file, inside its folder
    assert len(list((tmp_path / "shots").glob("*.jpg"))) == 1
    [post] = list_posts(db)
    assert raw_of(db, post["id"])["reported_by"] == "Dispatcher Kim"
    with db.read() as connection:
        rumour = connection.execute(select(rumors)).one()
        entry = connection.execute(select(audit_log)).one()
    assert rumour.lead_post_id == post["id"] and rumour.priority == 1
    assert (entry.actor, entry.action) == ("system", "staff_report")
    assert entry.subject == f"post:{post['id']}"
    [kept] = (tmp_path / "shots").glob("*.jpg")
    assert hashlib.sha256(kept.read_bytes()).hexdigest() in entry.detail

    text_file = tmp_path / "fake.png"
    text_file.write_text("hello")
    bad = CliRunner().invoke(main, [*args[:-4], "--screenshot", str(text_file)])
    assert bad.exit_code == 1 and "not a readable PNG, JPEG or WebP" in bad.output
