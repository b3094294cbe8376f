"""Logging set-up: one readable line per event, with every secret masked.

Masking happens where a record is made (:func:`install_masking`), so it covers every
logger in the process — ours, urllib3's and tweepy's debug lines, Streamlit's — whichever
handler later writes the record; the handler filter does it again for handlers that
format tracebacks themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from rumordesk.base.redact import mask

#: The name kept for callers and tests that masked text through this module.
redact = mask


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record's message and its traceback text in place."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: let the handler report it, never raise here
        return record
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, None
    # A traceback repeats exception messages (URLs, headers): mask it too. Formatters use
    # ``exc_text`` as they find it, so formatting it here, masked, is enough.
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    return record


class RedactSecrets(logging.Filter):
    """Masks secret values and credential-looking values in every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        _masked(record)
        return True


_MASKING_FACTORY = "rumordesk_masks"


def install_masking() -> None:
    """Mask every log record this process makes, from any logger (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MASKING_FACTORY, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _masked(previous(*args, **kwargs))

    setattr(factory, _MASKING_FACTORY, True)
    logging.setLogRecordFactory(factory)


def configure_logging(verbose: bool = False) -> None:
    install_masking()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in ("urllib3", "requests", "streamlit"):
        logging.getLogger(noisy).setLevel(logging.NOTSET if verbose else logging.ERROR)
