"""The `appeals` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from classifier.errors import AppealsError

app = typer.Typer(
    help="Classify Russian citizen appeals into housing, waste, roads, ecology, other.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ModelOption = Annotated[
    Optional[Path], typer.Option("--model", "-m", help="Model file (default: the shipped model).")
]


def _fail(exc: Exception) -> typer.Exit:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


def _say(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def predict(
    texts: Annotated[
        list[str], typer.Argument(help="Appeal texts; '-' reads one text per line from stdin.")
    ],
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Classify texts given on the command line."""
    from classifier.api import load
    from classifier.api import predict as run

    if texts == ["-"]:
        texts = [line.rstrip("\n") for line in sys.stdin]
    try:
        results = run(texts, model=load(model))
    except AppealsError as exc:
        raise _fail(exc) from None
    for text, result in zip(texts, results):
        if as_json:
            typer.echo(json.dumps({"text": text, **result.to_dict()}, ensure_ascii=False))
        else:
            typer.echo(f"{result.label}\t{result.confidence:.2f}\t{result.label_ru}\t{text[:60]}")


@app.command()
def train(
    data: Annotated[Path, typer.Argument(help="Labelled CSV with text and label columns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the model.")] = Path(
        "models/appeals.joblib"
    ),
    test: Annotated[
        Optional[Path], typer.Option(help="Held-out labelled CSV to evaluate on.")
    ] = None,
    text_col: Annotated[str, typer.Option(help="Text column.")] = "text",
    label_col: Annotated[str, typer.Option(help="Label column.")] = "label",
    folds: Annotated[int, typer.Option(help="Cross-validation folds (0: none).")] = 5,
) -> None:
    """Train a model on labelled data and save it with its metadata."""
    from classifier.training import train_file

    try:
        result = train_file(
            data,
            out=out,
            test_path=test,
            text_col=text_col,
            label_col=label_col,
            folds=folds,
            progress=_say,
        )
    except AppealsError as exc:
        raise _fail(exc) from None
    dropped = result.model.metadata["training_data"]["dropped_empty_rows"]
    if dropped:
        _say(f"dropped {dropped} row(s) with empty text")
    if result.cv:
        typer.echo(f"cross-validated ({folds} folds) macro-F1: {result.cv.macro_f1:.3f}")
        typer.echo(result.cv.table())
    if result.test:
        typer.echo(f"held-out macro-F1: {result.test.macro_f1:.3f}")
        typer.echo(result.test.table())
    typer.echo(f"model written to {result.model.path}")


@app.command()
def evaluate(
    data: Annotated[Path, typer.Argument(help="Labelled CSV with text and label columns.")],
    model: ModelOption = None,
    text_col: Annotated[str, typer.Option(help="Text column.")] = "text",
    label_col: Annotated[str, typer.Option(help="Label column.")] = "label",
) -> None:
    """Evaluate a model on labelled data: per-label metrics and the confusion matrix."""
    from classifier.api import load
    from classifier.data import read_labelled
    from classifier.evaluation import compute_metrics

    try:
        labelled = read_labelled(data, text_col=text_col, label_col=label_col)
        loaded = load(model)
    except AppealsError as exc:
        raise _fail(exc) from None
    predicted = [p.label for p in loaded.predict(labelled.texts)]
    metrics = compute_metrics(labelled.labels, predicted)
    typer.echo(
        f"{data}: {metrics.n} texts, macro-F1 {metrics.macro_f1:.3f}, accuracy {metrics.accuracy:.3f}"
    )
    typer.echo(metrics.table())


def main() -> None:
    """Entry point of the `appeals` console script."""
    app()
