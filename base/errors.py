"""Errors a user can act on. The CLI prints them as one line, never as a traceback."""


class RumorDeskError(Exception):
    """Base for every error with a message meant for the operator."""


class ConfigError(RumorDeskError):
    """The configuration is missing, malformed or refused by a guardrail."""
