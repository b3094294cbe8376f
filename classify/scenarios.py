"""Scenario sets: invented evenings with the Department's posts and the public posts around
them, each public post tied to the Department post it answers (``data/training/scenarios``,
and the held-out ``data/validation``; format in their READMEs).

Read once into plain records, so that training the relation step, the benchmarks and the
tests all see the same rows the same way.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rumordesk.data import data_file

if TYPE_CHECKING:
    from rumordesk.classify.rank import OfficialInput, PostInput

#: The training scenarios shipped with Rumor Desk.
SHIPPED_SCENARIOS = data_file("training", "scenarios")
#: More Department posts, each with its kind, for the kind model alone (no public posts).
SHIPPED_DEPARTMENT_POSTS = data_file("training", "department_posts.csv")

#: The six relations of a (public post, Department post) pair, in a fixed order.
RELATIONS = ("agrees", "contradicts", "distorts", "debunks", "pending", "unrelated")
#: The kinds of Department post, in a fixed order.
KINDS = (
    "denial",
    "all_clear",
    "arrest",
    "investigating",
    "order",
    "order_lifted",
    "incident_confirmed",
    "advisory",
)


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    id: str
    scenario: str
    lang: str
    channel: str
    created_at: datetime
    kind: str
    text: str

    def as_input(self) -> OfficialInput:
        from rumordesk.classify.rank import OfficialInput  # the ranker imports this module

        return OfficialInput(self.id, self.text, self.created_at, self.channel)


@dataclass(frozen=True, slots=True)
class PostRow:
    id: str
    scenario: str
    lang: str
    channel: str
    created_at: datetime
    text: str
    label: int
    category: str
    phenomena: frozenset[str]
    #: The Department post this one answers, and how ("" for both when there is none).
    official_id: str
    relation: str

    def as_input(self) -> PostInput:
        from rumordesk.classify.rank import PostInput

        return PostInput(self.id, self.text, channel=self.channel, created_at=self.created_at)


@dataclass(frozen=True)
class ScenarioSet:
    name: str
    posts: tuple[PostRow, ...]
    officials: tuple[DepartmentRow, ...]
    #: SHA-256 of both files as read.
    sha256: str

    def official(self, official_id: str) -> DepartmentRow:
        return self._officials()[official_id]

    def _officials(self) -> dict[str, DepartmentRow]:
        found = self.__dict__.get("_by_id")
        if found is None:
            found = {o.id: o for o in self.officials}
            object.__setattr__(self, "_by_id", found)
        return found

    def pairs(self) -> list[tuple[PostRow, DepartmentRow]]:
        """Every public post with a relation, beside the Department post it answers."""
        return [(p, self.official(p.official_id)) for p in self.posts if p.relation]


def read_scenarios(folder: str | Path) -> ScenarioSet:
    """``official.csv`` and ``posts.csv`` of a scenario folder."""
    folder = Path(folder)
    digest = hashlib.sha256()
    tables = {}
    for name in ("official.csv", "posts.csv"):
        raw = (folder / name).read_bytes()
        digest.update(raw)
        tables[name] = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    officials = tuple(
        DepartmentRow(
            r["official_id"],
            r["scenario"],
            r["lang"],
            r["channel"],
            datetime.fromisoformat(r["created_at"]),
            r["kind"],
            r["text"],
        )
        for r in tables["official.csv"]
    )
    posts = tuple(
        PostRow(
            r["id"],
            r["scenario"],
            r["lang"],
            r["channel"],
            datetime.fromisoformat(r["created_at"]),
            r["text"],
            int(r["label"]),
            r["category"],
            frozenset(t for t in r["phenomenon"].split(";") if t),
            r["official_id"],
            r["relation"],
        )
        for r in tables["posts.csv"]
    )
    return ScenarioSet(str(folder), posts, officials, digest.hexdigest())


def shipped_scenarios() -> ScenarioSet:
    return read_scenarios(SHIPPED_SCENARIOS)


@dataclass(frozen=True)
class KindSet:
    """Department posts with their kind and nothing around them (the kind model's extra
    examples: every kind in several voices, all_clear and advisory above all, which the
    scenarios hold few of)."""

    texts: tuple[str, ...]
    kinds: tuple[str, ...]
    sha256: str


def read_kinds(path: str | Path) -> KindSet:
    raw = Path(path).read_bytes()
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    unknown = sorted({r["kind"] for r in rows} - set(KINDS))
    if unknown:
        raise ValueError(f"{path}: unknown kind(s) {', '.join(unknown)}")
    return KindSet(
        tuple(r["text"] for r in rows),
        tuple(r["kind"] for r in rows),
        hashlib.sha256(raw).hexdigest(),
    )


def shipped_kinds() -> KindSet:
    return read_kinds(SHIPPED_DEPARTMENT_POSTS)
