"""CSV imports: a whole file or nothing, idempotent, text kept as text, formulas escaped."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from rumordesk.cli.main import main
from rumordesk.collectors.csv_import import ImportRejected, import_csv
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import count_posts, list_posts, metric_history
from rumordesk.store.sources import load_cursor, source_health
from tests.helpers.settings import make_settings, write_config

NEXTDOOR = [
    ["Post ID", "Date posted", "Title", "Body", "Post URL", "Reactions", "Comments", "Impressions"],
    [
        "nd-101",
        "11/23/2026 7:05 PM",
        "Road closure",
        "El Camino closed at Lawrence until 9 pm.",
        "https://nextdoor.com/p/abc101",
        "12",
        "3",
        "1,250",
    ],
    [
        "nd-102",
        "2026-11-24T08:30:00-08:00",
        "",
        "No active shooter at Valley Fair: false report.",
        "https://nextdoor.com/p/abc102",
        "40",
        "",
        "9000",
    ],
]


def sources(**extra) -> list[dict]:
    return [
        {
            "name": "nextdoor",
            "kind": "csv_import",
            "channel": "nextdoor",
            "official": True,
            "format": "nextdoor",
            **extra,
        }
    ]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_a_good_nextdoor_export_is_imported_with_times_links_and_metrics(db, tmp_path):
    settings = make_settings(sources())
    result = import_csv(db, settings, "nextdoor", write_csv(tmp_path / "nd.csv", NEXTDOOR))
    assert (result.rows, result.new, result.updated) == (2, 2, 0)
    posts = {p["source_id"]: p for p in list_posts(db)}
    first = posts["nd-101"]
    assert first["text"] == "Road closure\n\nEl Camino closed at Lawrence until 9 pm."
    # 7:05 PM Pacific (PST in November) is 03:05 UTC the next day
    assert first["created_at"] == datetime(2026, 11, 24, 3, 5, tzinfo=UTC)
    assert (first["likes"], first["replies"], first["views"]) == (12, 3, 1250)
    assert first["is_official"] and first["channel"] == "nextdoor"
    assert first["url"] == "https://nextdoor.com/p/abc101"
    second = posts["nd-102"]
    assert second["created_at"] == datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
    assert second["replies"] is None  # an empty cell is unknown, not zero
    assert len(load_cursor(db, "nextdoor")["imports"]) == 1


def test_reimporting_the_same_file_changes_nothing(db, tmp_path):
    settings = make_settings(sources())
    path = write_csv(tmp_path / "nd.csv", NEXTDOOR)
    import_csv(db, settings, "nextdoor", path)
    before = (list_posts(db), load_cursor(db, "nextdoor"))
    again = import_csv(db, settings, "nextdoor", path)
    assert (again.new, again.updated, again.unchanged, again.already_imported) == (0, 0, 2, True)
    assert (list_posts(db), load_cursor(db, "nextdoor")) == before
    post_id = next(p["id"] for p in list_posts(db) if p["source_id"] == "nd-101")
    assert len(metric_history(db, post_id)) == 1

    # a later export of the same posts with grown engagement updates them in place
    grown = [row[:] for row in NEXTDOOR]
    grown[1][5] = "30"
    later = import_csv(db, settings, "nextdoor", write_csv(tmp_path / "nd2.csv", grown))
    assert (later.new, later.updated) == (0, 1)
    assert count_posts(db) == 2 and len(metric_history(db, post_id)) == 2


def test_a_file_with_bad_rows_is_rejected_whole_with_row_numbers(db, tmp_path):
    rows = [
        *NEXTDOOR,
        ["nd-103", "yesterday", "", "Lockdown at Mission College", "", "1", "", ""],
        ["nd-104", "11/25/2026", "", "", "", "", "", ""],
        ["nd-105", "11/25/2026", "", "Evacuation", "javascript:alert(1)", "", "", ""],
        ["nd-106", "11/25/2026", "", "Threat", "", "-3", "", ""],
        ["", "11/25/2026", "", "No id", "", "", "", ""],
    ]
    settings = make_settings(sources())
    with pytest.raises(ImportRejected) as error:
        import_csv(db, settings, "nextdoor", write_csv(tmp_path / "bad.csv", rows))
    message = str(error.value)
    assert "5 bad row(s) of 7" in message
    assert "row 4: 'yesterday' is not a date and time" in message
    assert "row 5: the text is empty" in message
    assert "row 6: the link 'javascript:alert(1)' is not an http(s) URL" in message
    assert "row 7: likes: '-3' is not a whole number" in message
    assert "row 8: the post id is empty" in message
    assert count_posts(db) == 0  # the good rows 2 and 3 were not imported either
    assert load_cursor(db, "nextdoor") == {}


def test_a_missing_column_names_what_was_expected(db, tmp_path):
    path = write_csv(tmp_path / "x.csv", [["Post ID", "Title"], ["1", "t"]])
    with pytest.raises(ImportRejected, match=r"no column for text \(expected one of: body"):
        import_csv(db, make_settings(sources()), "nextdoor", path)


def test_the_same_id_with_other_content_twice_in_a_file_is_refused(db, tmp_path):
    rows = [*NEXTDOOR, ["nd-101", "11/23/2026 7:05 PM", "", "Something else", "", "", "", ""]]
    with pytest.raises(ImportRejected, match="row 4: id 'nd-101' is also on row 2"):
        import_csv(db, make_settings(sources()), "nextdoor", write_csv(tmp_path / "d.csv", rows))


def test_a_wrong_encoding_is_a_clear_error(db, tmp_path):
    rows = [
        NEXTDOOR[0],
        ["nd-1", "11/23/2026", "", "Café on Franklin Street closed", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "latin1.csv", rows, encoding="cp1252")
    with pytest.raises(ImportRejected) as error:
        import_csv(db, make_settings(sources()), "nextdoor", path)
    assert "not UTF-8 text (byte 0xe9 on line 2)" in str(error.value)
    assert "CSV UTF-8" in str(error.value)
    assert count_posts(db) == 0


def test_utf16_and_bom_exports_are_read(db, tmp_path):
    rows = [NEXTDOOR[0], ["nd-1", "11/23/2026", "", "Café closed", "", "", "", ""]]
    settings = make_settings(sources())
    import_csv(db, settings, "nextdoor", write_csv(tmp_path / "a.csv", rows, encoding="utf-16"))
    import_csv(db, settings, "nextdoor", write_csv(tmp_path / "b.csv", rows, encoding="utf-8-sig"))
    assert [p["text"] for p in list_posts(db)] == ["Café closed"]


def test_formula_cells_are_stored_as_text_and_escaped_on_export(db, tmp_path):
    formula = '=HYPERLINK("https://evil.example/","Click")'
    rows = [
        ["id", "text", "date", "likes"],
        ["s1", formula, "2026-11-24 10:00", "2"],
        ["s2", "+1 shots fired near Levi's", "2026-11-24 10:05", ""],
    ]
    settings_raw = [
        {"name": "sheet", "kind": "csv_import", "channel": "manual", "format": "spreadsheet"}
    ]
    settings = make_settings(settings_raw)
    import_csv(db, settings, "sheet", write_csv(tmp_path / "s.csv", rows))
    stored = {p["source_id"]: p["text"] for p in list_posts(db)}
    assert stored == {"s1": formula, "s2": "+1 shots fired near Levi's"}

    # a formula in a number column is not a number: refused, not evaluated or stripped
    bad = [rows[0], ["s3", "text", "2026-11-24", "=1+1"]]
    with pytest.raises(ImportRejected, match="likes: '=1\\+1' is not a whole number"):
        import_csv(db, settings, "sheet", write_csv(tmp_path / "f.csv", bad))

    config = write_config(
        tmp_path / "c.toml",
        f'[storage]\ndatabase_url = "sqlite:///{db.url.database}"\n'
        '[[sources]]\nname = "sheet"\nkind = "csv_import"\nchannel = "manual"\n'
        'format = "spreadsheet"\n',
    )
    out = tmp_path / "export.csv"
    result = CliRunner().invoke(
        main, ["--config", str(config), "posts", "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    exported = {r["text"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert "'" + formula in exported and "'+1 shots fired near Levi's" in exported


def test_spreadsheet_rows_without_ids_get_stable_ones(db, tmp_path):
    rows = [
        ["text", "date", "url"],
        ["Shots at Central Park?", "11/24/2026 10:00", ""],
        ["Lockdown", "11/24/2026 11:00", "https://example.org/a"],
    ]
    settings = make_settings(
        [{"name": "sheet", "kind": "csv_import", "channel": "manual", "format": "spreadsheet"}]
    )
    path = write_csv(tmp_path / "s.csv", rows)
    import_csv(db, settings, "sheet", path)
    ids = {p["source_id"] for p in list_posts(db)}
    assert all(i.startswith("sha256:") for i in ids) and len(ids) == 2
    assert import_csv(db, settings, "sheet", path).new == 0


@pytest.mark.slow
def test_the_import_command_reports_counts_scores_and_rejects_with_reasons(
    db, tmp_path, monkeypatch
):
    from sqlalchemy import func, select

    from rumordesk.classify import scoring
    from rumordesk.classify.baseline import KeywordBaseline
    from rumordesk.store.schema import post_scores

    # the configured model would be trained on first use; the keyword baseline stands in
    monkeypatch.setattr(
        scoring, "load_default_model", lambda *_: (KeywordBaseline().predict_proba, "keyword")
    )
    config = write_config(
        tmp_path / "c.toml",
        f'[storage]\ndatabase_url = "sqlite:///{db.url.database}"\n'
        '[[sources]]\nname = "nextdoor"\nkind = "csv_import"\nchannel = "nextdoor"\n'
        'official = true\nformat = "nextdoor"\n'
        '[[sources]]\nname = "news"\nkind = "feed"\nchannel = "website"\nenabled = false\n'
        'url = "https://example.org/feed.xml"\n',
    )
    good = write_csv(tmp_path / "nd.csv", NEXTDOOR)
    ok = CliRunner().invoke(
        main, ["--config", str(config), "import", str(good), "--source", "nextdoor"]
    )
    assert ok.exit_code == 0, ok.output
    assert "nd.csv: 2 row(s): 2 new, 0 updated, 0 unchanged" in ok.output
    with db.read() as connection:  # scored, as collected posts are
        assert connection.scalar(select(func.count()).select_from(post_scores)) == 2
    bad = write_csv(tmp_path / "bad.csv", [NEXTDOOR[0], ["x", "never", "", "t", "", "", "", ""]])
    refused = CliRunner().invoke(
        main, ["--config", str(config), "import", str(bad), "--source", "nextdoor"]
    )
    assert refused.exit_code == 1 and "row 2: 'never' is not a date" in refused.output
    wrong = CliRunner().invoke(
        main, ["--config", str(config), "import", str(good), "--source", "news"]
    )
    assert wrong.exit_code == 1 and "imports go to a csv_import source" in wrong.output


def test_the_runner_imports_new_files_from_an_inbox_and_reports_a_bad_one_once(db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "a.csv", NEXTDOOR)
    write_csv(inbox / "b.csv", [NEXTDOOR[0], ["x", "never", "", "t", "", "", "", ""]])
    settings = make_settings(sources(inbox=str(inbox)))
    first = Runner(settings, db).run_once()[0]
    assert (first.status, first.new) == ("rejected", 2)
    assert "b.csv" in source_health(db)[0].last_error
    second = Runner(settings, db).run_once()[0]
    assert (second.status, second.new) == ("ok", 0)  # neither file is read again
    write_csv(
        inbox / "c.csv", [NEXTDOOR[0], ["nd-9", "11/26/2026", "", "New post", "", "", "", ""]]
    )
    assert Runner(settings, db).run_once()[0].new == 1


@pytest.mark.parametrize(
    ("department", "export", "naive"),
    [
        # the export's own zone, when the source names one, reads its times without an offset
        ("America/Chicago", {"timezone": "America/New_York"}, "11/23/2026 2:00 PM"),
        # without one, an export is read in America/Los_Angeles (the source's default)
        ("America/Los_Angeles", {}, "11/23/2026 11:00 AM"),
    ],
)
def test_times_without_an_offset_are_the_exports_zone(db, tmp_path, department, export, naive):
    settings = make_settings(sources(**export), department={"timezone": department})
    rows = [
        NEXTDOOR[0],
        ["nd-1", naive, "", "Shots at Central Park?", "", "", "", ""],
        ["nd-2", "2026-11-23T11:00:00-08:00", "", "Shots at Central Park?", "", "", "", ""],
        ["nd-3", "2026-11-23T19:00:00Z", "", "Shots at Central Park?", "", "", "", ""],
        ["nd-4", "2026-11-23T19:00:00+0000", "", "Shots at Central Park?", "", "", "", ""],
    ]

    assert import_csv(db, settings, "nextdoor", write_csv(tmp_path / "t.csv", rows)).new == 4

    times = {p["source_id"]: p["created_at"] for p in list_posts(db)}
    assert times == dict.fromkeys(
        ("nd-1", "nd-2", "nd-3", "nd-4"), datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize("value", ["13/01/2026", "11/23/2026 13:00 PM", "02/30/2026", "soon"])
def test_a_row_whose_time_cannot_be_read_rejects_the_file_with_the_value(db, tmp_path, value):
    rows = [NEXTDOOR[0], ["nd-1", value, "", "Shots at Central Park?", "", "", "", ""]]
    with pytest.raises(ImportRejected, match=f"row 2: '{value}' is not a date and time"):
        import_csv(db, make_settings(sources()), "nextdoor", write_csv(tmp_path / "t.csv", rows))
    assert count_posts(db) == 0


# -- streamed: the size first, every problem with its row, bounded memory -----------------


def test_utf16_without_a_byte_order_mark_is_named_as_such(db, tmp_path):
    path = tmp_path / "u16.csv"
    data = io.StringIO()
    csv.writer(data).writerows(NEXTDOOR)
    path.write_bytes(data.getvalue().encode("utf-16-le"))  # no BOM: Excel's "Unicode text"

    with pytest.raises(ImportRejected) as error:
        import_csv(db, make_settings(sources()), "nextdoor", path)

    assert str(error.value) == (
        "u16.csv: UTF-16 text without a byte-order mark; save it as 'CSV UTF-8' and import again"
    )
    assert count_posts(db) == 0


def test_windows_1252_is_named_with_its_line_and_row(db, tmp_path):
    rows = [*NEXTDOOR, ["nd-3", "11/23/2026", "", "Caf\u00e9 closed", "", "", "", ""]]
    path = write_csv(tmp_path / "cp.csv", rows, encoding="cp1252")
    with pytest.raises(ImportRejected) as error:
        import_csv(db, make_settings(sources()), "nextdoor", path)
    assert "not UTF-8 text (byte 0xe9 on line 4), in row 4" in str(error.value)
    assert "looks like Windows-1252" in str(error.value)


def test_a_quote_never_closed_names_its_row_and_line(db, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "Post ID,Date posted,Body\n"
        "nd-1,11/23/2026,Fine\n"
        'nd-2,11/23/2026,"Shots at Valley Fair\n'
        "nd-3,11/23/2026,Also fine\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as error:
        import_csv(db, make_settings(sources()), "nextdoor", path)
    assert "row 3 (lines 3-4): a quoted cell opened here is never closed" in str(error.value)
    assert count_posts(db) == 0


def test_every_unreadable_row_is_listed_with_its_number(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Post ID,Date posted,Body\n"
        'nd-1,11/23/2026,"quoted"then more\n'
        "nd-2,11/23/2026,Fine\n"
        "\n"  # a blank line is row 4 of the spreadsheet, though it is no post
        'nd-3,11/23/2026,"again"x\n'
        "nd-4,never,Fine\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as error:
        import_csv(db, make_settings(sources()), "nextdoor", path)
    message = str(error.value)
    assert "3 bad row(s) of 4" in message
    assert "row 2 (line 2): not readable as CSV" in message
    assert "row 5 (line 5): not readable as CSV" in message
    assert "row 6: 'never' is not a date and time" in message


def test_a_file_over_the_limit_is_refused_before_it_is_read(db, tmp_path, monkeypatch):
    from rumordesk.collectors import csv_import

    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # a sparse file: 60 MB without writing them
        handle.truncate(60 * 1024 * 1024)
    opened: list[str] = []
    real_open = Path.open

    def watching(self, *args, **kwargs):
        opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watching)
    with pytest.raises(
        ImportRejected, match=r"huge.csv: 62,914,560 bytes; the limit is 52,428,800"
    ):
        import_csv(db, make_settings(sources()), "nextdoor", path)
    assert "huge.csv" not in opened
    assert csv_import.MAX_FILE_BYTES == 50 * 1024 * 1024


def test_nul_and_control_characters_are_taken_out_of_values(db, tmp_path):
    rows = [
        NEXTDOOR[0],
        [
            "nd-\x001",
            "11/23/2026 7:05 PM",
            "Road\x00 closure",
            "El Camino\x07 closed",
            "",
            "1",
            "",
            "",
        ],
    ]
    result = import_csv(
        db, make_settings(sources()), "nextdoor", write_csv(tmp_path / "n.csv", rows)
    )
    assert result.new == 1
    [stored] = list_posts(db)
    assert stored["source_id"] == "nd-1"
    assert stored["text"] == "Road closure\n\nEl Camino closed"


def test_a_row_repeated_exactly_is_stored_once(db, tmp_path):
    rows = [*NEXTDOOR, NEXTDOOR[1]]
    result = import_csv(
        db, make_settings(sources()), "nextdoor", write_csv(tmp_path / "r.csv", rows)
    )
    assert (result.rows, result.new) == (3, 2)


def big_export(path: Path, rows: int, *, start: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(NEXTDOOR[0])
        for n in range(start, start + rows):
            writer.writerow(
                [
                    f"nd-{n}",
                    f"11/{1 + n % 28:02d}/2026 {1 + n % 12}:{n % 60:02d} PM",
                    f"Update {n}",
                    f"Neighbours report a road closure near Central Park, post {n}. " * 3,
                    f"https://nextdoor.com/p/{n}",
                    str(n % 300),
                    str(n % 40),
                    f"{n * 3:,}",
                ]
            )
    return path


@pytest.mark.slow
def test_memory_stays_bounded_whatever_the_number_of_rows(db, tmp_path):
    """Peak Python memory grows with the ids kept for the repeat check (a few dozen bytes a
    row), never with the posts: ten times the rows is far less than ten times the memory."""
    import tracemalloc

    settings = make_settings(sources())
    peaks = {}
    for rows in (2_000, 20_000):
        path = big_export(tmp_path / f"{rows}.csv", rows, start=rows * 10)
        tracemalloc.start()
        result = import_csv(db, settings, "nextdoor", path)
        peaks[rows] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert result.new == rows
    assert peaks[20_000] < 2 * peaks[2_000], peaks
    assert peaks[20_000] < 40 * 1024 * 1024, peaks  # holding every post would be ~80 MB


def test_the_import_is_one_transaction_with_its_audit_entry(db, tmp_path, monkeypatch):
    """Chunks are written one after another, but a failure before the end (the process
    killed: tests/cli/test_crash_recovery.py) leaves nothing: no post, no cursor, no entry."""
    from sqlalchemy import select

    from rumordesk.collectors import csv_import
    from rumordesk.store.schema import audit_log
    from rumordesk.triage.audit import record
    from rumordesk.triage.roles import SYSTEM

    monkeypatch.setattr(csv_import, "WRITE_CHUNK", 100)
    path = big_export(tmp_path / "big.csv", 450)
    saves: list[int] = []
    real_save = csv_import.save_batch

    def failing_on_the_fourth(db_, source, batch, **kwargs):
        saves.append(len(batch.posts))
        if len(saves) == 4:
            raise OSError("disk full")
        return real_save(db_, source, batch, **kwargs)

    def audit(connection, result):
        record(connection, SYSTEM, "import", detail={"new": result.new})

    monkeypatch.setattr(csv_import, "save_batch", failing_on_the_fourth)
    with pytest.raises(OSError):
        import_csv(db, make_settings(sources()), "nextdoor", path, in_transaction=audit)
    assert saves == [100, 100, 100, 100] and count_posts(db) == 0
    assert load_cursor(db, "nextdoor") == {}

    monkeypatch.setattr(csv_import, "save_batch", real_save)
    result = import_csv(db, make_settings(sources()), "nextdoor", path, in_transaction=audit)
    assert result.new == 450 and count_posts(db) == 450
    with db.read() as connection:
        assert connection.execute(select(audit_log.c.detail)).scalars().all() == ['{"new": 450}']


def test_an_inbox_file_is_stored_in_chunks_and_marked_imported_with_the_last(
    db, tmp_path, monkeypatch
):
    from rumordesk.collectors import csv_import

    monkeypatch.setattr(csv_import, "WRITE_CHUNK", 100)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    big_export(inbox / "big.csv", 450)
    with (inbox / "huge.csv").open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    settings = make_settings(sources(inbox=str(inbox)))
    cursors: list[int] = []
    from rumordesk.collectors import runner as runner_module
    from rumordesk.store.posts import save_batch as real_save

    def watching(db_, source, batch, **kwargs):
        cursors.append(len(batch.cursor.get("imports") or {}))
        return real_save(db_, source, batch, **kwargs)

    monkeypatch.setattr(runner_module, "save_batch", watching)
    first = Runner(settings, db).run_once()[0]

    assert first.status == "rejected" and "huge.csv: 62,914,560 bytes" in first.error
    assert count_posts(db) == 450
    # big.csv: four batches leave it unmarked, the fifth marks it; then huge.csv's refusal
    assert cursors == [0, 0, 0, 0, 1, 1]
    again = Runner(settings, db).run_once()[0]
    assert (again.status, again.new, again.requests) == ("ok", 0, 0)
