"""Logging set-up: one readable line per event, with every known secret masked."""

from __future__ import annotations

import logging
import re

from rumordesk.base.secrets import known_secret_values

#: Credentials that appear in URLs or headers even when we never read them ourselves.
_CREDENTIAL_PATTERNS = re.compile(
    r"(?i)(bearer\s+|access_token=|token=|password=|apikey=|api_key=)[^\s&'\"]+"
)


class RedactSecrets(logging.Filter):
    """Masks secret values and credential-looking query parameters in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let the handler report it, never raise here
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        # A traceback repeats exception messages (URLs, headers): mask it too. The formatter
        # uses ``exc_text`` as it finds it, so formatting it here, masked, is enough.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact(text: str) -> str:
    for secret in known_secret_values():
        text = text.replace(secret, "***")
    return _CREDENTIAL_PATTERNS.sub(lambda m: m.group(1) + "***", text)


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    if not verbose:
        for noisy in ("urllib3", "requests", "streamlit"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
