"""Errors a user can act on. The CLI prints them as one line, never as a traceback.

Every message is masked (:func:`base.redact.mask`) whenever it is turned into text, so a
token or password quoted by a server, a library or our own code never reaches a terminal,
a log line or a stored error through an exception.
"""

from rumordesk.base.redact import mask


class RumorDeskError(Exception):
    """Base for every error with a message meant for the operator."""

    def __str__(self) -> str:
        return mask(super().__str__())


class ConfigError(RumorDeskError):
    """The configuration is missing, malformed or refused by a guardrail."""
