"""The score breakdown in words a PIO reads at 11 pm, not the ranker's internals.

The ranker stores its signals as a dictionary (``p_misinfo 0.9995``, ``official_post 9``,
``elsewhere []``). :func:`breakdown` turns the ones a person needs into sentences, in the
order they matter (what is claimed, where, what the Department said, how it spreads, what
the text model thinks); everything else, with the raw values, stays behind the page's
"advanced" expander. The reason strings themselves come from the ranker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rumordesk.classify.words.harms import HARMS
from rumordesk.triage.detail import DepartmentPost

HARM_WORDS = {harm.kind: harm.label for harm in HARMS}
#: How a Department post relates to the rumour, in words.
RELATION_WORDS = {
    "contradicts": "denies it",
    "inflates": "reported something smaller",
    "agrees": "says the same",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the breakdown: what was looked at, and what was found."""

    what: str
    found: str


def breakdown(
    signals: Mapping[str, Any],
    department: list[DepartmentPost],
    *,
    when: Callable[[datetime | None], str],
    window_hours: float,
) -> list[Finding]:
    """The lead post's signals as findings; ``when`` writes a time for a person."""
    if not signals:
        return []
    found: list[Finding] = []
    if signals.get("department"):
        found.append(Finding("Who posted it", "the Department itself (never ranked)"))
    harm = signals.get("harm")
    if harm:
        claim = f"claims {HARM_WORDS.get(harm, harm.replace('_', ' '))}"
        if signals.get("harm_denied"):
            claim += ", but the post itself denies it"
        found.append(Finding("What it claims", claim))
    else:
        found.append(Finding("What it claims", "no violence or emergency named"))
    found.append(Finding("Where", _where(signals)))
    found.append(Finding("The Department", _department(signals, department, when, window_hours)))
    if signals.get("impersonation"):
        found.append(
            Finding(
                "Looks official",
                "written like an official notice, from an account that is not the Department's",
            )
        )
    if signals.get("hearsay"):
        found.append(Finding("Source of the claim", "hearsay (someone else said so)"))
    if signals.get("question"):
        found.append(Finding("How it is put", "asked as a question, not stated"))
    found.append(Finding("Spread", _spread(signals)))
    p = signals.get("p_misinfo")
    if isinstance(p, int | float):
        found.append(
            Finding(
                "The text model",
                f"{round(p * 100)}% likely false or unverified, from the words alone",
            )
        )
    return found


def _where(signals: Mapping[str, Any]) -> str:
    places = [str(p) for p in signals.get("places") or []]
    elsewhere = [str(p) for p in signals.get("elsewhere") or []]
    locality = signals.get("locality")
    if places:
        return "in Santa Clara: " + ", ".join(places)
    if elsewhere:
        return "outside Santa Clara: " + ", ".join(elsewhere)
    if locality == "local":
        return "in Santa Clara (no particular place named)"
    return "no place named"


def _department(
    signals: Mapping[str, Any],
    department: list[DepartmentPost],
    when: Callable[[datetime | None], str],
    window_hours: float,
) -> str:
    relation = signals.get("official") or "none"
    post_id = str(signals.get("official_post") or "")
    post = next((d for d in department if str(d.id) == post_id), None)
    at = f" at {when(post.at)}" if post is not None and post.at is not None else ""
    if relation == "contradicts":
        return f"denied this{at}"
    if relation == "inflates":
        return f"reported something smaller{at}: the post makes it bigger"
    if relation == "agrees":
        return f"said the same{at}: the post passes it on"
    return f"nothing from the Department about it in the {window_hours:g} hours before"


def _spread(signals: Mapping[str, Any]) -> str:
    told = signals.get("spread_reason") or "no engagement figures yet"
    size = signals.get("cluster_size")
    if isinstance(size, int) and size > 1:
        return f"{told}; {size} posts tell this story"
    return str(told)


def advanced(signals: Mapping[str, Any], model_version: str | None) -> list[dict[str, str]]:
    """Every raw signal, for whoever tunes the ranker (behind the "advanced" expander)."""
    rows = [{"signal": key, "value": _raw(value)} for key, value in signals.items()]
    if model_version:
        rows.append({"signal": "model_version", "value": model_version})
    return rows


def _raw(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
