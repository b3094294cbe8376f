"""Hearsay and unverified sourcing."""

from __future__ import annotations

from rumordesk.classify.scanner import word_list

#: Hearsay and unverified sourcing.
HEARSAY = word_list(
    r"my (?:cousin|friend|brother|sister|mom|dad|aunt|uncle|coworker|neighbou?r)\w*",
    r"a friend (?:of (?:a|mine)|in|who)",
    r"heard (?:from|that|there)",
    r"someone (?:said|told)",
    r"people (?:are )?saying",
    r"(?:group ?chat|whatsapp|telegram)",
    r"unconfirmed",
    r"(?:rumou?r|reportedly|apparently|allegedly)",
    r"forwarded",
    r"pass (?:it|this) on",
    r"share (?:this|before)",
    r"they (?:aren't|are not|won't) telling",
    r"media (?:isn't|won't)",
)
