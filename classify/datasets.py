"""Labelled posts for training and evaluation: CSV files, the built-in set, the PIO's decisions.

Every set carries a SHA-256 of exactly what was read, so a model's sidecar says which data
made it. A bad file is refused with one line naming the file, the row and the problem —
never half-read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rumordesk.base.errors import RumorDeskError
from rumordesk.data import data_file

#: The project's own training set (Santa Clara-style posts, see data/training/README.md),
#: and the public posts of its scenarios (data/training/scenarios), labelled alike.
BUILTIN_SET = data_file("training", "posts.csv")
BUILTIN_SCENARIOS = data_file("training", "scenarios", "posts.csv")
BUILTIN_NAME = "builtin:data/training"
#: Triage decisions that become training labels (``rumors.status`` → label).
DECISION_LABELS: Mapping[str, int] = {"confirmed": 1, "accurate": 0, "not_relevant": 0}
_LABELS = {"0": 0, "1": 1}


class DatasetError(RumorDeskError):
    """A labelled set that cannot be used as it is (missing columns, bad labels…)."""


@dataclass(frozen=True)
class LabelledSet:
    """Posts with 0/1 labels (1 = misinformation / rumour), and where they came from."""

    name: str
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    #: One group (e.g. event) per post, when the set was read with ``group_by``.
    groups: tuple[str, ...] | None
    sha256: str

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def positives(self) -> int:
        return sum(self.labels)

    def describe(self) -> dict:
        """What the sidecar records about this set."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "rows": len(self),
            "positives": self.positives,
        }


def read_labelled_csv(
    path: str | os.PathLike[str],
    *,
    group_by: str | None = None,
    where: Mapping[str, str] | None = None,
    text_column: str = "text",
) -> LabelledSet:
    """Read a CSV with ``text`` and ``label`` (0/1) columns; extra columns are ignored.

    ``where`` keeps only rows whose columns equal the given values (``in_pheme5=1``);
    ``group_by`` names the column holding each row's group (``event``).
    """
    source = Path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{source}: file not found") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    # Lines as CSV ends them: str.splitlines() also breaks at a vertical tab, a form feed,
    # U+0085 or U+2028 inside a text, and the rest of that row became a row of its own.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    needed = [text_column, "label", *([group_by] if group_by else []), *(where or {})]
    missing = [c for c in dict.fromkeys(needed) if c not in columns]
    if missing:
        found = ", ".join(columns) if columns else "none"
        raise DatasetError(
            f"{source}: missing column(s) {', '.join(missing)} (found: {found}); "
            "a labelled set needs text,label"
        )
    texts: list[str] = []
    labels: list[int] = []
    groups: list[str] = []
    try:
        for row in reader:
            if any(row.get(k) != v for k, v in (where or {}).items()):
                continue
            line = reader.line_num
            label = _LABELS.get((row["label"] or "").strip())
            if label is None:
                raise DatasetError(f"{source}: line {line}: label {row['label']!r} is not 0 or 1")
            text = row[text_column]
            if text is None or not text.strip():
                raise DatasetError(f"{source}: line {line}: empty {text_column}")
            texts.append(text)
            labels.append(label)
            if group_by:
                groups.append(row[group_by] or "")
    except csv.Error as exc:
        raise DatasetError(f"{source}: line {reader.line_num}: {exc}") from None
    if not texts:
        raise DatasetError(f"{source}: no labelled rows" + (" match the filter" if where else ""))
    digest = hashlib.sha256(raw)
    if where:  # the same file filtered differently is different data
        digest.update(repr(sorted(where.items())).encode())
    return LabelledSet(
        name=str(source),
        texts=tuple(texts),
        labels=tuple(labels),
        groups=tuple(groups) if group_by else None,
        sha256=digest.hexdigest(),
    )


def builtin_set() -> LabelledSet:
    """The project's own training set: ``data/training/posts.csv`` and the scenarios'
    public posts. Grouped, so that calibration leaves whole scenarios out (a scenario's
    posts share its incident and words); each other post is a group of its own."""
    posts = read_labelled_csv(BUILTIN_SET)
    scenes = read_labelled_csv(BUILTIN_SCENARIOS, group_by="scenario")
    groups = [f"post:{i}" for i in range(len(posts))] + [
        f"scenario:{g}" if g != "none" else f"none:{i}" for i, g in enumerate(scenes.groups or ())
    ]
    digest = hashlib.sha256(f"{posts.sha256}\n{scenes.sha256}".encode())
    return LabelledSet(
        BUILTIN_NAME,
        posts.texts + scenes.texts,
        posts.labels + scenes.labels,
        tuple(groups),
        digest.hexdigest(),
    )


def store_decisions(db) -> LabelledSet | None:  # type: ignore[no-untyped-def]
    """The PIO's own verdicts: posts of rumours marked confirmed (1), accurate or not
    relevant (0). None when there are none yet."""
    from sqlalchemy import select

    from rumordesk.store.schema import post_scores, posts, rumors

    query = (
        select(posts.c.text, rumors.c.status)
        .select_from(
            post_scores.join(rumors, post_scores.c.rumor_id == rumors.c.id).join(
                posts, posts.c.id == post_scores.c.post_id
            )
        )
        .where(rumors.c.status.in_(tuple(DECISION_LABELS)), ~posts.c.is_official)
        .order_by(posts.c.id)
    )
    with db.read() as connection:
        rows = [(text, DECISION_LABELS[status]) for text, status in connection.execute(query)]
    rows = [(text, label) for text, label in rows if text and text.strip()]
    if not rows:
        return None
    digest = hashlib.sha256()
    for text, label in rows:
        digest.update(f"{label}\t{text}\n".encode())
    texts, labels = zip(*rows, strict=True)
    return LabelledSet("store:triage decisions", texts, labels, None, digest.hexdigest())


def combine(sets: Sequence[LabelledSet]) -> tuple[list[str], list[int], list[str] | None]:
    """Texts, labels and groups of several sets; groups only when every set has them."""
    texts = [t for s in sets for t in s.texts]
    labels = [y for s in sets for y in s.labels]
    if sets and all(s.groups is not None for s in sets):
        groups = [f"{s.name}:{g}" if len(sets) > 1 else g for s in sets for g in s.groups or ()]
        return texts, labels, groups
    return texts, labels, None
