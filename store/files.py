"""Screenshots kept as evidence: checked by content, re-encoded, stored once by SHA-256.

A file is accepted only if Pillow reads it as PNG, JPEG or WebP — whatever its name says —
and it is under the size and pixel limits (a decompression bomb is refused, not decoded).
What is kept is not the upload but its pixels, encoded again by Pillow: EXIF (a phone's
GPS position), comments, colour profiles and anything appended after the image (an HTML
page, a ZIP archive: a polyglot) are gone, so the file served back is only an image.
Files are written to a temporary name and renamed, so a killed process leaves no torn file.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from rumordesk.base.errors import RumorDeskError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}


class ImageRejected(RumorDeskError):
    """Not an image we keep: wrong type, too large, or unreadable."""


@dataclass(frozen=True, slots=True)
class SavedImage:
    path: Path
    sha256: str
    media_type: str
    size: int
    captured_at: datetime


def image_type(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[str, str]:
    """``(media type, extension)`` of an acceptable image; :class:`ImageRejected` otherwise."""
    if not data:
        raise ImageRejected("the file is empty")
    if len(data) > max_bytes:
        raise ImageRejected(f"the file is {len(data):,} bytes; the limit is {max_bytes:,}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ImageRejected(f"not a readable PNG, JPEG or WebP image ({exc})") from None
    if kind not in _FORMATS:
        raise ImageRejected(f"{kind} images are not accepted; use PNG, JPEG or WebP")
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageRejected(f"the image is {width}×{height} pixels; too large to keep")
    return _FORMATS[kind]


#: Modes each format can be written in as they are; anything else is converted.
_KEEP_MODES = {
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA"},
    "JPEG": {"L", "RGB"},
    "WEBP": {"RGB", "RGBA"},
}


def reencode(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[bytes, str, str]:
    """The image's pixels (first frame, turned upright) in a new file of the same format,
    with no metadata and nothing appended: ``(bytes, media type, extension)``."""
    media_type, extension = image_type(data, max_bytes=max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                kind = opened.format or ""
                image = ImageOps.exif_transpose(opened)  # the orientation EXIF said, then no EXIF
                image.load()
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
    ) as exc:
        raise ImageRejected(f"the image cannot be decoded ({exc})") from None
    if image.mode not in _KEEP_MODES[kind]:
        target = "RGBA" if "A" in image.getbands() and kind != "JPEG" else "RGB"
        image = image.convert(target)
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", quality=92, optimize=True)
    elif kind == "WEBP":
        image.save(out, "WEBP", quality=92, method=4)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue(), media_type, extension


@dataclass(frozen=True, slots=True)
class CleanImage:
    """An image re-encoded by :func:`reencode`: what is kept, shown and hashed."""

    data: bytes
    media_type: str
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def clean_image(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> CleanImage:
    """Check ``data`` and re-encode it (:func:`reencode`), ready to read, hash and keep."""
    return CleanImage(*reencode(data, max_bytes=max_bytes))


def save_image(data: bytes, *, folder: Path, max_bytes: int = MAX_IMAGE_BYTES) -> SavedImage:
    """Check ``data``, re-encode it, and store it as ``folder/<sha256>.<ext>`` (the hash of
    what is stored; kept once if sent twice)."""
    return keep_image(clean_image(data, max_bytes=max_bytes), folder=folder)


def keep_image(image: CleanImage, *, folder: Path) -> SavedImage:
    """Store an already re-encoded image as ``folder/<sha256>.<ext>`` (once), atomically."""
    digest = image.sha256
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{image.extension}"
    if not path.exists():
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(image.data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return SavedImage(path, digest, image.media_type, len(image.data), datetime.now(UTC))


def read_image(path_text: str | None, *, folder: Path, sha256: str | None) -> bytes | None:
    """A kept screenshot as an image to show: only from inside ``folder``, only if it still
    matches its recorded SHA-256, and re-encoded again (a file kept by an older version may
    still carry its metadata or an appended payload). None when missing or unreadable;
    :class:`ImageRejected` when it no longer matches its hash."""
    if not path_text:
        return None
    root = folder.resolve()
    path = Path(path_text).resolve()
    if not (path.is_relative_to(root) and path.is_file()):
        return None
    data = path.read_bytes()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise ImageRejected("the screenshot file does not match its recorded SHA-256")
    try:
        return reencode(data, max_bytes=max(len(data), 1))[0]
    except ImageRejected:
        return None
