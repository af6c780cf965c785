"""The `appeals` command line."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
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
TextCol = Annotated[str, typer.Option("--text-col", help="Column with the appeal text.")]
LabelCol = Annotated[str, typer.Option("--label-col", help="Column with the label.")]
IdCol = Annotated[
    str, typer.Option("--id-col", help="Column with the appeal id (default: id, if present).")
]
LabelsMap = Annotated[
    Optional[Path],
    typer.Option("--labels-map", help="CSV/XLSX (name,label) or JSON mapping of label names."),
]


@contextmanager
def user_errors():
    """Turn the package's errors into a one-line message and exit code 2."""
    try:
        yield
    except AppealsError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None


def say(message: str) -> None:
    """Print a progress or status line to stderr."""
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
    with user_errors():
        results = run(texts, model=load(model))
    for text, result in zip(texts, results):
        if as_json:
            typer.echo(json.dumps({"text": text, **result.to_dict()}, ensure_ascii=False))
        else:
            typer.echo(f"{result.label}\t{result.confidence:.2f}\t{result.label_ru}\t{text[:60]}")


@app.command()
def train(
    data: Annotated[Path, typer.Argument(help="Labelled table: CSV, XLSX, JSONL or Parquet.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the model.")] = Path(
        "models/appeals.joblib"
    ),
    test: Annotated[
        Optional[Path], typer.Option(help="Held-out labelled table to evaluate on.")
    ] = None,
    text_col: TextCol = "text",
    label_col: LabelCol = "label",
    labels_map: LabelsMap = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds (0: none).")] = 5,
) -> None:
    """Train a model on labelled data; save it with its metadata and model card."""
    from rich.progress import Progress

    from classifier.training import train_file

    with user_errors(), Progress(transient=True) as bar:
        task = bar.add_task("cross-validation", total=max(folds, 0))
        result = train_file(
            data,
            out=out,
            test_path=test,
            text_col=text_col,
            label_col=label_col,
            labels_map=labels_map,
            folds=folds,
            progress=say,
            on_fold=lambda fold: bar.update(task, completed=fold),
        )
    if result.cv:
        typer.echo(f"cross-validated ({folds} folds) macro-F1: {result.cv.macro_f1:.3f}")
        typer.echo(result.cv.table())
    if result.test:
        typer.echo(f"held-out macro-F1: {result.test.macro_f1:.3f}")
        typer.echo(result.test.table())
    typer.echo(
        f"model written to {result.model.path} (card: {result.model.path.with_suffix('.md')})"
    )


@app.command()
def evaluate(
    data: Annotated[Path, typer.Argument(help="Labelled table: CSV, XLSX, JSONL or Parquet.")],
    model: ModelOption = None,
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Folder for metrics, heatmap, errors.")
    ] = None,
    text_col: TextCol = "text",
    label_col: LabelCol = "label",
    labels_map: LabelsMap = None,
) -> None:
    """Evaluate a model on labelled data: per-label metrics, confusion matrix, worst errors."""
    from classifier.api import load
    from classifier.data import read_labelled
    from classifier.evaluate import evaluate as run
    from classifier.evaluate import write_evaluation

    with user_errors():
        labelled = read_labelled(
            data, text_col=text_col, label_col=label_col, labels_map=labels_map
        )
        for note in labelled.notes():
            say(note)
        result = run(load(model), labelled)
    m = result.metrics
    typer.echo(f"{data}: {m.n} texts, macro-F1 {m.macro_f1:.3f}, accuracy {m.accuracy:.3f}")
    typer.echo(m.table())
    if out is not None:
        write_evaluation(result, out, source=str(data))
        typer.echo(f"written to {out}/: evaluation.md, metrics.json, confusion.png, errors.csv")


@app.command()
def report(
    data: Annotated[Path, typer.Argument(help="Appeals: CSV, XLSX, JSONL or Parquet.")],
    model: ModelOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report.")] = Path(
        "reports"
    ),
    text_col: TextCol = "text",
    id_col: IdCol = "id",
    date_col: Annotated[
        Optional[str],
        typer.Option("--date-col", help="Date column for shares by month (default: detected)."),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            help="Correction without local labels: emq (default), acc, pacc, em, cc, pcc."
        ),
    ] = "emq",
    calibration: Annotated[
        Optional[Path],
        typer.Option(
            "--calibration",
            "-c",
            help="Labelled sample of these appeals or of the same source (appeals sample).",
        ),
    ] = None,
    match: Annotated[
        str,
        typer.Option(help="How sheet rows are found in DATA: auto (id, else text), id or text."),
    ] = "auto",
) -> None:
    """Distribution of appeals by category against the published split, corrected for errors."""
    from classifier.api import load
    from classifier.data import require_columns
    from classifier.quantify import METHODS
    from classifier.report import DATE_COLUMNS, build_report, write_report
    from classifier.sheet import read_sheet
    from classifier.tables import read_table

    with user_errors():
        if method not in METHODS:
            raise typer.BadParameter(f"use one of {', '.join(METHODS)}", param_hint="--method")
        frame = read_table(data)
        require_columns(frame, data, [text_col] + ([date_col] if date_col else []))
        date_col = date_col or next((c for c in frame.columns if c.lower() in DATE_COLUMNS), None)
        dates = frame[date_col].tolist() if date_col else None
        sheet = None
        if calibration is not None:
            sheet = read_sheet(calibration, text_col=text_col, id_col=id_col)
            say(sheet.note())
        say(f"classifying {len(frame)} appeals from {data}")
        result = build_report(
            load(model),
            frame[text_col].tolist(),
            dates=dates,
            method=method,
            calibration=sheet,
            ids=frame[id_col].tolist() if id_col in frame.columns else None,
            match=match,
            source=str(data),
        )
        files = write_report(result, out)
    typer.echo(result.table())
    typer.echo()
    typer.echo(result.summary())
    if result.monthly:
        typer.echo()
        typer.echo(result.monthly_table())
    typer.echo(f"\nwritten to {out}/: {', '.join(p.name for p in vars(files).values() if p)}")


@app.command()
def sample(
    data: Annotated[Path, typer.Argument(help="Unlabelled appeals: CSV, XLSX, JSONL or Parquet.")],
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="Rows to draw.")] = 150,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The sheet: .xlsx (with a drop-down) or .csv.")
    ] = Path("sample.xlsx"),
    strategy: Annotated[
        str,
        typer.Option(help="stratified (by predicted label; default), random, or uncertain."),
    ] = "stratified",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed draws the same rows.")] = 0,
    model: ModelOption = None,
    text_col: TextCol = "text",
    id_col: IdCol = "id",
) -> None:
    """Draw appeals for labelling: a sheet with an empty label column and the sampling weights."""
    from classifier.api import load
    from classifier.sampling import STRATEGIES
    from classifier.sheet import sample_file

    with user_errors():
        if strategy not in STRATEGIES:
            raise typer.BadParameter(f"use one of {', '.join(STRATEGIES)}", param_hint="--strategy")
        result = sample_file(
            data,
            out,
            model=load(model),
            n=n,
            strategy=strategy,
            seed=seed,
            text_col=text_col,
            id_col=id_col,
        )
    strata = ", ".join(f"{k}: {v}" for k, v in result.per_stratum.items())
    typer.echo(
        f"{result.rows} of {result.population} appeals drawn ({result.strategy}; {strata}) "
        f"into {result.path}; fill in its 'label' column, then pass it to "
        "`appeals report --calibration` or `appeals adapt`"
    )


@app.command()
def adapt(
    sheet: Annotated[Path, typer.Argument(help="Labelled sheet (appeals sample), any format.")],
    base: Annotated[
        Optional[Path],
        typer.Option(help="Base training corpus (default: the project's data/train.csv)."),
    ] = None,
    weight: Annotated[
        float, typer.Option(min=0.01, help="How many base rows one local row counts as.")
    ] = 3.0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the model.")] = Path(
        "models/adapted.joblib"
    ),
    model: ModelOption = None,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
) -> None:
    """Retrain on the base corpus plus local labelled rows; store rates measured on them."""
    from rich.progress import Progress

    from classifier.adapt import adapt_file
    from classifier.api import load

    with user_errors(), Progress(transient=True) as bar:
        task = bar.add_task("cross-validation", total=folds)
        result = adapt_file(
            sheet,
            out=out,
            base=base,
            weight=weight,
            model=load(model),
            folds=folds,
            progress=say,
            on_fold=lambda fold: bar.update(task, completed=fold),
        )
    if result.local_cv:
        typer.echo(
            f"cross-validated macro-F1 on the {result.n_local} local rows: "
            f"{result.local_cv.macro_f1:.3f} (accuracy {result.local_cv.accuracy:.3f})"
        )
        typer.echo(result.local_cv.table())
    typer.echo(
        f"adapted model written to {result.model.path} "
        f"(card: {result.model.path.with_suffix('.md')}); pass it to other commands with --model"
    )


# Seconds a `serve --workers` worker has to answer uvicorn's supervisor.
WORKER_HEALTHCHECK_S = 60


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    model: ModelOption = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Server processes sharing the port; each loads and warms the model."
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (docs at /docs); with $APPEALS_API_TOKEN set, /v1/* needs that token."""
    if log_level not in ("debug", "info", "warning", "error"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    with user_errors():
        try:
            import uvicorn

            from classifier.service import create_app
            from classifier.service.access_log import logging_config
            from classifier.service.auth import resolve_api_token
            from classifier.service.protocols import json_http_protocol
        except ImportError as exc:
            raise AppealsError(
                f"the service needs {exc.name}: pip install 'appeals-classifier[service]'"
            ) from None
        from classifier.model import load_model

        # The token first (a blank $APPEALS_API_TOKEN is refused), then the model, loaded
        # here once: a bad setting or model file is one line and exit code 2.
        token = resolve_api_token()
        # With workers the parent only checks the file: each worker compiles and warms.
        loaded = load_model(model, compile=workers == 1)
        options = {
            "host": host,
            "port": port,
            "log_config": logging_config(log_level),
            "log_level": log_level,
            "access_log": False,  # the app logs each request itself, as a JSON line
        }
        if workers > 1:
            # uvicorn binds the socket here and spawns the workers, which inherit it and
            # accept from it in turn; each builds the app (create_app) and loads the model
            # named by $APPEALS_MODEL itself. The parent only supervises.
            os.environ["APPEALS_MODEL"] = str(loaded.path)
            del loaded
            app_ = None
        else:
            app_ = create_app(model=loaded, api_token=token)
    if app_ is not None:
        uvicorn.run(app_, http=json_http_protocol(), **options)  # uvicorn's own 400s in JSON
        return
    import tempfile

    # Everything by name: the workers are spawned processes that import it themselves,
    # and the logging config is a file, which each process reads afresh (dictConfig
    # consumes a dict it is given, so the parent's could not be handed on).
    with tempfile.TemporaryDirectory(prefix="appeals-serve-") as folder:
        log_config = Path(folder) / "logging.json"
        log_config.write_text(json.dumps(logging_config(log_level, by_name=True)))
        uvicorn.run(
            "classifier.service:create_app",
            factory=True,
            workers=workers,
            http="classifier.service.protocols:JsonHttpProtocol",
            # A worker answers uvicorn's health check only once its imports are done,
            # which on a loaded machine takes longer than uvicorn's default 5 s.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            **{**options, "log_config": str(log_config)},
        )


@app.command()
def classify(
    data: Annotated[
        Path,
        typer.Argument(
            help="Appeals: CSV, XLSX, JSONL or Parquet; with --dask a CSV/Parquet file, folder or glob."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output file; its suffix picks the format (.csv .xlsx .jsonl .parquet).",
        ),
    ],
    model: ModelOption = None,
    text_col: TextCol = "text",
    workers: Annotated[
        int, typer.Option(min=1, help="Processes that classify, this one included; order is kept.")
    ] = 1,
    chunksize: Annotated[int, typer.Option(min=1, help="Rows read and classified at a time.")] = (
        2_000
    ),
    prefix: Annotated[
        str, typer.Option(help="Prefix of the added columns, e.g. pred_ when 'label' exists.")
    ] = "",
    dask: Annotated[
        Optional[str],
        typer.Option(help="Run on a Dask cluster: scheduler address (tcp://host:8786) or 'local'."),
    ] = None,
) -> None:
    """Add label, label_ru, confidence and p_<label> to every row of a table, in order."""
    if dask is not None:
        with user_errors():
            from classifier.distributed import classify_dask

            say(f"classifying {data} on the Dask cluster {dask}")
            result = classify_dask(
                data, out, address=dask, model=model, text_col=text_col, prefix=prefix
            )
        typer.echo(
            f"{result.rows} rows ({result.empty} with empty text) in {result.partitions} "
            f"partitions written to {result.output} in {result.seconds:.1f} s"
        )
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from classifier.batch import classify_file, known_row_count

    # Rows done of the total when the file tells it (Parquet), else a running count.
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with user_errors(), Progress(*columns, transient=True) as bar:
        task = bar.add_task(f"classifying {data.name}", total=known_row_count(data))
        result = classify_file(
            data,
            out,
            model=model,
            text_col=text_col,
            prefix=prefix,
            workers=workers,
            chunksize=chunksize,
            on_progress=lambda n: bar.advance(task, n),
        )
    typer.echo(
        f"{result.rows} rows ({result.empty} with empty text) written to {result.output} "
        f"in {result.seconds:.1f} s ({result.rate:.0f} rows/s, {result.workers} worker(s))"
    )


def main() -> None:
    """Entry point of the `appeals` console script."""
    app()
