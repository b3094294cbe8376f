"""Words in the Department's own posts: a harm only reported, or an incident unnamed."""

from __future__ import annotations

from rumordesk.classify.scanner import word_list

#: A Department post that mentions a harm only as something people say ("we are aware of
#: posts about a shooting"): it neither confirms nor denies it.
REPORTED = word_list(
    r"aware of",
    r"looking into",
    r"reports? (?:of|about)",
    r"posts? (?:about|claiming)",
    r"rumou?rs? (?:of|about)",
    r"claims? (?:of|about|that)",
    r"unconfirmed",
    r"(?:social media|online) (?:posts|reports|claims)",
)

#: A Department post about an incident that does not name a harm ("police activity").
INCIDENT = word_list(
    r"police activity",
    r"avoid the area",
    r"investigat\w*",
    r"incident",
    r"suspicious (?:package|person|item|device|vehicle|circumstances)",
    r"reports? of",
    r"responding to",
    r"(?:officers|police) (?:are )?on scene",
    r"medical emergency",
    r"welfare check",
    r"actividad policial",
    r"hoạt động của cảnh sát",
)
