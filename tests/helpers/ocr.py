"""OCR tests need Tesseract and the fonts the screenshots are drawn with: outside CI a
machine without them skips those tests with the reason; in CI (which installs them,
.ci/run) their absence fails."""

from __future__ import annotations

import os

import pytest

from rumordesk.collectors.ocr import check_engine
from tests.helpers import screenshots


def require_ocr() -> None:
    problem = check_engine()
    if problem is None and not screenshots.available():
        problem = "the Noto and DejaVu fonts are not installed"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have OCR: {problem}")
        pytest.skip(problem)


def character_error_rate(typed: str, read: str) -> float:
    """Edit distance over the typed length, white space collapsed."""
    a, b = " ".join(typed.split()), " ".join(read.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(len(a), 1)
