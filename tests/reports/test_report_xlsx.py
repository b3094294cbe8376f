"""The XLSX and CSV exports, opened and inspected: sheets, values, types, and no formulas."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from rumordesk.reports.audit_export import audit_tables
from rumordesk.reports.export import render
from rumordesk.reports.tables import FORMULA_TRIGGERS
from rumordesk.reports.weekly import build_report
from rumordesk.reports.weekly_layout import report_tables
from rumordesk.reports.weeks import Week
from rumordesk.reports.xlsx import text_cell
from rumordesk.triage.audit import record_now
from rumordesk.triage.roles import Actor, Role
from tests.helpers.weekly import HOSTILE, build, post, scenario_settings, store, utc

LA = ZoneInfo("America/Los_Angeles")
NOW = utc(2026, 11, 30, 12)


@pytest.fixture
def report(db):
    settings = scenario_settings()
    build(db, settings, hostile=True)  # x-2's text is =HYPERLINK(...)
    for n, text in enumerate(HOSTILE[1:]):
        published = utc(2026, 10, 22, 17 + n)
        store(db, published, post("scpd-x", f"h-{n}", "x", published, text, likes=1))
    return build_report(
        db, Week.parse("2026-W43", LA), sources=settings.sources, department="SCPD", now=NOW
    )


def _open(content: bytes):
    return load_workbook(io.BytesIO(content))


def _rows(sheet):
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_the_workbook_has_its_sheets_with_frozen_headers_and_widths(report):
    book = _open(render(report_tables(report), stem="w", fmt="xlsx", title="Weekly").content)
    assert book.sheetnames[0] == "Summary"
    assert {"Summary", "Channels", "Posts", "Earlier posts", "Rumours", "By day"} <= set(
        book.sheetnames
    )
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["A"].width >= 8
    posts = book["Posts"]
    header = [c.value for c in posts[1]]
    assert header[:5] == ["Published", "Channel", "Source", "Text", "Link"]
    text_column = chr(ord("A") + header.index("Text"))
    assert posts.column_dimensions[text_column].width > posts.column_dimensions["B"].width


def test_values_keep_their_types_dates_are_real_dates(report):
    book = _open(render(report_tables(report), stem="w", fmt="xlsx", title="Weekly").content)
    rows = _rows(book["Posts"])
    x2 = next(r for r in rows if r["Source"].value == "scpd-x" and r["Likes"].value == 7)
    # 16:00 UTC on Oct 21 is 09:00 in Santa Clara (PDT): a naive local date in the cell
    assert x2["Published"].value == datetime(2026, 10, 21, 9, 0)
    assert x2["Published"].is_date and x2["Published"].number_format == "yyyy-mm-dd hh:mm"
    assert x2["Views"].value == 500 and x2["Views"].data_type == "n"
    assert x2["Views"].number_format == "#,##0"
    assert x2["Engagement rate"].value == pytest.approx(8 / 500)
    assert x2["Engagement rate"].number_format == "0.00%"
    news = next(r for r in rows if r["Channel"].value == "website")
    assert news["Likes"].value is None and news["Engagement"].value is None  # not 0
    channels = {r["Channel"].value: r for r in _rows(book["Channels"])}
    assert channels["facebook"]["Engagement"].value == 264
    assert channels["x"]["Change (%)"].number_format == '0.0"%"'
    days = _rows(book["By day"])
    assert days[0]["Day"].value == datetime(2026, 10, 19)  # openpyxl reads dates back as datetimes
    assert days[0]["Day"].number_format == "yyyy-mm-dd"
    summary = {r["Item"].value: r["Value"].value for r in _rows(book["Summary"])}
    assert summary["week"] == "2026-W43"
    assert summary["from"] == datetime(2026, 10, 19, 0, 0)


def test_hostile_text_never_becomes_a_formula_in_the_workbook(report):
    content = render(report_tables(report), stem="w", fmt="xlsx", title="=cmd").content
    book = _open(content)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
    texts = {r["Text"].value for r in _rows(book["Posts"])}
    for hostile in HOSTILE:
        expected = "'" + " ".join(hostile.split())  # the excerpt folds whitespace
        if hostile.startswith("\t"):
            expected = "'" + hostile.strip()  # "\t=1" folds to "=1", escaped all the same
        assert expected in texts, (hostile, texts)
    # and in the file itself: no <f> (formula) element anywhere in any sheet
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert len(sheets) == len(book.worksheets) >= 6
        for name in sheets:
            assert not re.search(rb"<(\w+:)?f[ >]", archive.read(name)), name


def test_text_cells_lose_xml_control_characters_before_escaping():
    assert text_cell("\x01=1") == "'=1"
    assert text_cell("\x00@SUM(A1)") == "'@SUM(A1)"
    assert text_cell("\t=1") == "'\t=1"
    assert text_cell("plain") == "plain"
    assert text_cell("-2+3") == "'-2+3"


def test_the_csv_zip_has_one_utf8_file_per_table_with_escaped_cells(report):
    exported = render(report_tables(report), stem="weekly-2026-W43", fmt="csv", title="Weekly")
    assert exported.filename == "weekly-2026-W43.zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        names = archive.namelist()
        assert {f"weekly-2026-W43/{t.name}.csv" for t in report_tables(report)} == set(names)
        files = {n.split("/")[-1]: archive.read(n).decode("utf-8") for n in names}
    posts = list(csv.DictReader(io.StringIO(files["posts.csv"], newline="")))
    assert list(posts[0])[:4] == ["Published", "Channel", "Source", "Text"]
    assert len(posts) == len(report.posts)
    for row in posts:
        for value in row.values():
            assert not value.startswith(FORMULA_TRIGGERS), value
    assert '\'=HYPERLINK("http://evil.invalid","x")' in {r["Text"] for r in posts}
    website = next(r for r in posts if r["Channel"] == "website")
    assert website["Likes"] == "" and website["Engagement"] == ""  # unavailable, not 0
    channels = {r["Channel"]: r for r in csv.DictReader(io.StringIO(files["channels.csv"]))}
    assert channels["facebook"]["Engagement"] == "264"


def test_an_empty_week_exports_valid_files(db):
    settings = scenario_settings()
    report = build_report(db, Week.parse("2026-W50", LA), sources=settings.sources, now=NOW)
    book = _open(render(report_tables(report), stem="e", fmt="xlsx", title="Weekly").content)
    assert book["Posts"].max_row == 1  # the header only
    notes = [r["Value"].value for r in _rows(book["Summary"]) if r["Item"].value == "note"]
    assert any("No Department post" in n for n in notes)
    archive = zipfile.ZipFile(
        io.BytesIO(render(report_tables(report), stem="e", fmt="csv", title="W").content)
    )
    assert archive.read("e/posts.csv").decode().startswith("Published,Channel,Source,Text")


def test_the_audit_export_covers_the_local_date_range(db):
    pio = Actor("pio", Role.PIO)
    record_now(db, pio, "note", subject="=cmd|' /C calc'!A0", at=utc(2026, 10, 19, 6, 59))
    record_now(db, pio, "status", subject="in range", at=utc(2026, 10, 19, 7))  # Mon 00:00 PDT
    record_now(db, pio, "status", subject="last", at=utc(2026, 10, 26, 6, 59))  # Sun 23:59 PDT
    record_now(db, pio, "status", subject="after", at=utc(2026, 10, 26, 7))
    tables = {
        t.name: t for t in audit_tables(db, date(2026, 10, 19), date(2026, 10, 25), LA, now=NOW)
    }
    assert [r["subject"] for r in tables["audit_log"].rows] == ["in range", "last"]
    assert tables["audit_log"].rows[0]["at"] == datetime(2026, 10, 19, 0, 0)
    chain = next(r["value"] for r in tables["summary"].rows if r["item"] == "hash chain")
    assert chain.startswith("intact: 4 entries from the genesis to the head")
    everything = audit_tables(db, date(2026, 10, 18), date(2026, 10, 26), LA, now=NOW)
    book = _open(render(everything, stem="a", fmt="xlsx", title="Audit").content)
    subjects = [r["subject"].value for r in _rows(book["Audit log"])]
    assert subjects[0] == "'=cmd|' /C calc'!A0"
    assert len(subjects) == 4
