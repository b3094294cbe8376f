"""`rumordesk rank`: CSV in, ranked CSV out, every input column kept, bad input refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import rumordesk.cli.rank as rank_command
from rumordesk.cli.main import main
from tests.helpers.classify import text_model
from tests.helpers.settings import rss, write_config

# ruff: noqa: E501  (CSV rows are clearer whole)

POSTS = """\ufeffid,channel,author,created_at,text,likes,shares,replies,team_note
p1,x,mom_of_3,2026-11-21T03:30:00Z,Tacos at the Mercado food trucks were a killer deal,4,,1,x
p2,x,neighbor_jen,2026-11-21T03:40:00Z,"ACTIVE SHOOTER AT GREAT AMERICA RIGHT NOW, people running, get out",900,"5,400",310,check
p3,reddit,someone,2026-11-21T03:41:00Z,gunman at great america!! my cousin is hiding in the Gold Striker line,12,40,3,
p4,x,SantaClaraPD,2026-11-21T03:52:00Z,There is no shooting at Great America. Please do not share rumors.,50,800,20,
p5,x,fan_22,2026-11-21T03:45:00Z,=HYPERLINK("http://evil.example") shooting photos at Levi's tonight,1,0,0,
"""
OFFICIAL = """id,channel,created_at,text
o1,x,2026-11-21T03:52:00Z,There is no shooting at Great America. Please do not share rumors.
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    posts = tmp_path / "posts.csv"
    posts.write_text(POSTS, encoding="utf-8")
    official = tmp_path / "official.csv"
    official.write_text(OFFICIAL, encoding="utf-8")
    config = write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "db.sqlite"}"\n'
        '[classify]\ndepartment_accounts = ["SantaClaraPD"]\n'
        'city_names = ["Santa Clara"]\n'
        '[[classify.places]]\nname = "California\'s Great America"\n'
        'aliases = ["Great America"]\n',
    )
    return {"posts": posts, "official": official, "config": config, "out": tmp_path / "out.csv"}


def invoke(files: dict[str, Path], *extra: str):
    return CliRunner().invoke(
        main,
        [
            "--config",
            str(files["config"]),
            "rank",
            "--posts",
            str(files["posts"]),
            "--official",
            str(files["official"]),
            "--out",
            str(files["out"]),
            *extra,
        ],
    )


@pytest.fixture
def small_model(monkeypatch):
    """The trained model is another module's; here the ranking runs on a small real one."""
    monkeypatch.setattr(
        rank_command, "_model_loader", lambda settings, path: lambda: text_model().predict_proba
    )


@pytest.mark.slow
def test_rank_writes_every_column_sorted_by_score_with_reasons(files, small_model):
    result = invoke(files)

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(files["out"].read_text(encoding="utf-8"))))
    assert list(rows[0]) == [
        "id", "channel", "author", "created_at", "text", "likes", "shares", "replies",
        "team_note", "p_misinfo", "score", "severity", "cluster_id", "reasons",
    ]  # fmt: skip
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert rows[0]["id"] == "p2" and rows[0]["team_note"] == "check"
    top = rows[0]["reasons"]
    assert top.startswith("claims an active shooter at California's Great America")
    assert 'Department said "no shooting" at 19:52' in top
    assert "5,440 shares in 12 min across 2 posts" in top
    assert rows[0]["cluster_id"] == next(r for r in rows if r["id"] == "p3")["cluster_id"]
    department = next(r for r in rows if r["id"] == "p4")
    assert float(department["score"]) <= 0.02
    photos = next(r for r in rows if r["id"] == "p5")
    assert photos["text"].startswith("'=HYPERLINK")  # a spreadsheet would run it otherwise
    assert float(photos["severity"]) == 0.0
    tacos = next(r for r in rows if r["id"] == "p1")
    assert tacos["shares"] == "" and "share" not in tacos["reasons"]


def test_missing_column_is_one_clear_error_and_writes_nothing(files, small_model):
    files["posts"].write_text("id,channel,body\n1,x,hello\n", encoding="utf-8")

    result = invoke(files)

    assert result.exit_code == 1
    assert "posts need the column(s) text" in result.output
    assert not files["out"].exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("p9,x,a,yesterday,hi,1,2,3,", "created_at 'yesterday' is not a date and time"),
        ("p9,x,a,,hi,many,2,3,", "likes 'many' is not a number"),
        ("p9,x,a,,hi,-4,2,3,", "likes '-4' must be zero or more"),
        ("p9,x,a,,hi,1,2,3,,surplus", "has more cells than the header"),
    ],
)
def test_bad_rows_are_refused_with_the_row_named(files, small_model, line, message):
    files["posts"].write_text(POSTS + line + "\n", encoding="utf-8")

    result = invoke(files)

    assert result.exit_code == 1
    assert message in result.output
    assert not files["out"].exists()


def test_not_utf8_is_refused(files, small_model):
    files["official"].write_bytes("id,text\n1,caf\xe9\n".encode("latin-1"))

    result = invoke(files)

    assert result.exit_code == 1 and "not UTF-8" in result.output


@pytest.fixture
def small_default_model(monkeypatch):
    import rumordesk.classify.scoring as scoring

    monkeypatch.setattr(
        scoring,
        "load_default_model",
        lambda *_: (text_model().predict_proba, "small-test-model"),
    )


@pytest.mark.slow
def test_collect_scores_what_it_stores_and_score_rescores(
    feed_server, tmp_path: Path, small_default_model
):
    from sqlalchemy import func, select

    from rumordesk.store import open_database
    from rumordesk.store.schema import post_scores, rumors

    url = feed_server.serve(
        "/feed.xml",
        rss(
            ("g1", "ACTIVE SHOOTER at Great America right now, get out"),
            ("g2", "Farmers market at Central Park has great peaches today"),
        ),
    )
    database = tmp_path / "loop.db"
    config = write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{database}"\n'
        '[[classify.places]]\nname = "California\'s Great America"\naliases = ["Great America"]\n'
        f'[[sources]]\nname = "community"\nkind = "feed"\nchannel = "website"\nurl = "{url}"\n',
    )

    collected = CliRunner().invoke(main, ["--config", str(config), "collect", "--once"])
    # --since is the Department's time: the posts are from 19:00 UTC, 11:00 PST
    later = ["--config", str(config), "score", "--since", "2026-11-23T11:30"]
    none_since = CliRunner().invoke(main, later)
    rescored = CliRunner().invoke(main, ["--config", str(config), "score"])

    assert collected.exit_code == 0, collected.output
    assert rescored.exit_code == 0, rescored.output
    assert '"scored": 0' in none_since.output, none_since.output
    assert '"scored": 2' in rescored.output
    db = open_database(f"sqlite:///{database}")
    with db.read() as c:
        assert c.scalar(select(func.count()).select_from(post_scores)) == 2
        assert c.scalar(select(post_scores.c.model_version).limit(1)) == "small-test-model"
        [(harm, count)] = c.execute(select(rumors.c.harm, rumors.c.post_count)).all()
    assert (harm, count) == ("active_shooter", 1)
    db.dispose()


@pytest.mark.slow
def test_local_times_k_counts_and_the_departments_post_found_by_its_text(files, small_model):
    files["posts"].write_text(
        "id,author,created_at,text,shares\n"
        'a,fan,11/20/2026 7:40 PM,"ACTIVE SHOOTER AT GREAT AMERICA, get out",5.4K\n'
        "b,repost_bot,2026-11-20 19:53,There is no shooting at Great America.,1.2k\n",
        encoding="utf-8",
    )
    files["official"].write_text(
        "id,channel,created_at,text\n"
        "o1,x,2026-11-20 19:52,There is no shooting at Great America.\n",
        encoding="utf-8",
    )

    result = invoke(files)

    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(files["out"].read_text("utf-8")))}
    assert 'Department said "no shooting" at 19:52' in rows["a"]["reasons"]  # local, not UTC
    assert "5,400 shares in 13 min" in rows["a"]["reasons"]
    assert rows["b"]["reasons"] == "the Department's own post (denial)"
    assert float(rows["b"]["score"]) <= 0.02


@pytest.mark.slow
def test_created_at_without_an_offset_is_the_departments(files, small_model, monkeypatch):
    """One instant, 2026-11-23 19:00 UTC, written as a spreadsheet might: the Department
    (here in New York) reads the times without an offset as its own."""
    files["config"].write_text(
        files["config"].read_text() + '[department]\ntimezone = "America/New_York"\n'
    )
    files["posts"].write_text(
        "id,created_at,text\n"
        "naive,2026-11-23 14:00,Shots at Great America?\n"
        "us,11/23/2026 2:00 PM,Shots at Great America?\n"
        "words,Nov 23 2026 2:00 PM,Shots at Great America?\n"
        "offset,2026-11-23T11:00:00-08:00,Shots at Great America?\n"
        "graph,2026-11-23T19:00:00+0000,Shots at Great America?\n"
        "zulu,2026-11-23T19:00:00Z,Shots at Great America?\n"
        "unknown,,Shots at Great America?\n",
        encoding="utf-8",
    )
    files["official"].write_text(
        "id,channel,created_at,text\no1,x,2026-11-23T14:00:00,No shooting at Great America.\n",
        encoding="utf-8",
    )
    seen: dict[str, object] = {}

    class RecordingRanker(rank_command.Ranker):
        def rank(self, posts, officials, **kwargs):
            seen.update({p.id: p.created_at for p in posts})
            seen.update({o.id: o.created_at for o in officials})
            return super().rank(posts, officials, **kwargs)

    monkeypatch.setattr(rank_command, "Ranker", RecordingRanker)

    result = invoke(files)

    assert result.exit_code == 0, result.output
    instant = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    assert seen == {
        **dict.fromkeys(("naive", "us", "words", "offset", "graph", "zulu", "o1"), instant),
        "unknown": None,
    }
