"""``rumordesk train`` and ``rumordesk evaluate``: the text model from labelled CSVs."""

from __future__ import annotations

from pathlib import Path

import click

from rumordesk.cli.context import Context, friendly_errors

_DATA = click.Path(exists=False, dir_okay=False, path_type=Path)


def _filters(values: tuple[str, ...]) -> dict[str, str]:
    filters: dict[str, str] = {}
    for value in values:
        column, sep, wanted = value.partition("=")
        if not sep or not column.strip():
            raise click.BadParameter(f"{value!r}: expected COLUMN=VALUE", param_hint="--where")
        filters[column.strip()] = wanted.strip()
    return filters


@click.command()
@click.option("--data", "files", type=_DATA, multiple=True, help="A labelled CSV (text,label).")
@click.option("--group-by", help="Column of --data files holding each row's group (event).")
@click.option("--where", "where", multiple=True, help="Keep rows with COLUMN=VALUE only.")
@click.option("--no-builtin", is_flag=True, help="Train on the --data files alone.")
@click.option("--out", type=_DATA, help="Where to write the model (default [classify].model_path).")
@click.pass_obj
@friendly_errors
def train(
    obj: Context,
    files: tuple[Path, ...],
    group_by: str | None,
    where: tuple[str, ...],
    no_builtin: bool,
    out: Path | None,
) -> None:
    """Train the text model on the built-in set, the PIO's decisions and any --data files."""
    from rumordesk.classify.datasets import builtin_set, read_labelled_csv, store_decisions
    from rumordesk.classify.training import train_and_save
    from rumordesk.triage.audit import record_now
    from rumordesk.triage.roles import SYSTEM

    filters = _filters(where)
    sets = [read_labelled_csv(f, group_by=group_by, where=filters) for f in files]
    if no_builtin and not sets:
        raise click.UsageError("--no-builtin needs at least one --data FILE.csv")
    if not no_builtin:
        sets.insert(0, builtin_set())
        if (decisions := store_decisions(obj.db)) is not None:
            sets.append(decisions)
    target = out or Path(obj.settings.classify.model_path)
    for labelled in sets:
        click.echo(f"data: {labelled.name}: {len(labelled)} rows ({labelled.positives} positive)")
    result = train_and_save(sets, target)
    cv = result.metadata["cross_validated"]
    record_now(
        obj.db,
        SYSTEM,
        "model_train",
        subject=f"model:{result.model.version}",
        detail={"path": str(target), "data": [s.describe() for s in sets]},
    )
    click.echo(
        f"trained {result.model.version} on {result.metadata['rows']} posts in "
        f"{result.seconds:.1f} s (C={result.model.C_}); cross-validated ({cv['folds']}): "
        f"macro-F1 {cv['macro_f1']:.3f}, average precision {cv['average_precision']:.3f}, "
        f"Brier {cv['brier']:.4f}"
    )
    click.echo(f"saved {target} and {target.with_suffix('.json')}")
    if target.resolve() == Path(obj.settings.classify.model_path).resolve():
        from rumordesk.classify.shared_model import pin

        pinned = pin(obj.db, target)  # every collector on this database loads it next
        click.echo(f"pinned in the database for every host: sha256 {pinned.sha256[:12]}")


@click.command()
@click.option("--data", "file", type=_DATA, required=True, help="A labelled CSV (text,label).")
@click.option("--group-by", required=True, help="The column to leave out one value at a time.")
@click.option("--where", "where", multiple=True, help="Keep rows with COLUMN=VALUE only.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@friendly_errors
def evaluate(file: Path, group_by: str, where: tuple[str, ...], as_json: bool) -> None:
    """Leave-one-group-out evaluation of the text model on a labelled CSV."""
    from rumordesk.classify.datasets import DatasetError, read_labelled_csv
    from rumordesk.classify.evaluate import leave_one_group_out

    labelled = read_labelled_csv(file, group_by=group_by, where=_filters(where))
    if len(set(labelled.groups or ())) < 2:
        raise DatasetError(f"{file}: column {group_by!r} has fewer than two groups")
    try:
        evaluation = leave_one_group_out(labelled.texts, labelled.labels, labelled.groups or ())
    except ValueError as exc:
        raise DatasetError(f"{file}: {exc}") from None
    click.echo(evaluation.to_json() if as_json else evaluation.to_text())
