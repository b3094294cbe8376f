"""Rumor Desk: brings false or unverified reports of violence to the PIO, with the reason why."""

__version__ = "0.1.0"
