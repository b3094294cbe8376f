"""Screenshots kept as evidence: checked by content, stored once by their SHA-256.

A file is accepted only if Pillow reads it as PNG, JPEG or WebP — whatever its name says —
and it is under the size and pixel limits (a decompression bomb is refused, not decoded).
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

from PIL import Image, UnidentifiedImageError

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


def save_image(data: bytes, *, folder: Path, max_bytes: int = MAX_IMAGE_BYTES) -> SavedImage:
    """Check ``data`` and store it as ``folder/<sha256>.<ext>`` (kept once if sent twice)."""
    media_type, extension = image_type(data, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{extension}"
    if not path.exists():
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return SavedImage(path, digest, media_type, len(data), datetime.now(UTC))
