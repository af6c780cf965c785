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
SheetOption = Annotated[
    Optional[str],
    typer.Option("--sheet", help="XLSX sheet to read (default: the first that is not empty)."),
]
ExcelSafe = Annotated[
    bool,
    typer.Option(
        "--excel-safe/--plain-csv",
        help="CSV output: UTF-8 with BOM and formula-like texts quoted for Excel (default), "
        "or plain UTF-8 with texts as they are, for programs.",
    ),
]
LabelsMap = Annotated[
    Optional[Path],
    typer.Option("--labels-map", help="CSV/XLSX (name,label) or JSON mapping of label names."),
]


def _lang(value: str) -> str:
    if value not in ("ru", "en"):
        raise typer.BadParameter("use ru or en")
    return value


LangOption = Annotated[
    str,
    typer.Option("--lang", callback=_lang, help="Language: ru (default) or en."),
]


RoutesOption = Annotated[
    Optional[Path],
    typer.Option("--routes", help="TOML file: body and deadline_hours per label (routing)."),
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


def check_folder(out: Path) -> None:
    """Refuse an output folder that is a file or cannot be written, before any work is done."""
    import os

    if out.exists() and not out.is_dir():
        raise AppealsError(f"{out}: --out is a file, not a folder")
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise AppealsError(f"{out}: --out: cannot write in {existing}")


@app.command()
def predict(
    texts: Annotated[
        list[str], typer.Argument(help="Appeal texts; '-' reads one text per line from stdin.")
    ],
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the words that led to each label.")
    ] = False,
    urgency: Annotated[
        bool, typer.Option("--urgency", help="Check each text for danger that cannot wait.")
    ] = False,
    routes: RoutesOption = None,
) -> None:
    """Classify texts given on the command line."""
    from classifier.api import load
    from classifier.api import predict as run

    if texts == ["-"]:
        texts = [line.rstrip("\n") for line in sys.stdin]
    with user_errors():
        results = run(texts, model=load(model), explain=explain, urgency=urgency, routes=routes)
    for text, result in zip(texts, results):
        if as_json:
            typer.echo(json.dumps({"text": text, **result.to_dict()}, ensure_ascii=False))
            continue
        extra = "\tREVIEW" if result.needs_review else ""
        extra += "\tURGENT" if result.urgent else ""
        extra += f"\t-> {result.route}" if result.route is not None else ""
        typer.echo(
            f"{result.label}\t{result.confidence:.2f}\t{result.label_ru}\t{text[:60]}{extra}"
        )
        if result.explanation:
            terms = ", ".join(f"{t.text} {t.weight:+.2f}" for t in result.explanation)
            typer.echo(f"\t  because: {terms}")


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
    review_precision: Annotated[
        float,
        typer.Option(
            "--review-precision",
            help="Target precision of the appeals routed without review (sets the threshold).",
        ),
    ] = 0.99,
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
            review_precision=review_precision,
        )
    if result.cv:
        typer.echo(f"cross-validated ({folds} folds) macro-F1: {result.cv.macro_f1:.3f}")
        typer.echo(result.cv.table())
    if result.test:
        typer.echo(f"held-out macro-F1: {result.test.macro_f1:.3f}")
        typer.echo(result.test.table())
    review = result.model.metadata.get("review")
    if review:
        typer.echo(
            f"review threshold {review['threshold']:.3f}: routes {review['coverage']:.1%} "
            f"of the cross-validated texts at accuracy {review['accuracy']:.1%}"
        )
    typer.echo(
        f"model written to {result.model.path} (card: {result.model.path.with_suffix('.md')})"
    )
    if result.audit is not None:
        typer.echo(
            f"{result.audit.n_flagged} of {len(result.audit.rows)} rows look mislabelled "
            f"(confident learning on the CV probabilities); ranked list: {result.audit_path}"
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
    sheet: SheetOption = None,
    excel_safe: ExcelSafe = True,
) -> None:
    """Evaluate a model on labelled data: per-label metrics, confusion matrix, worst errors."""
    from classifier.api import load
    from classifier.data import read_labelled
    from classifier.evaluate import evaluate as run
    from classifier.evaluate import write_evaluation

    with user_errors():
        if out is not None:
            check_folder(out)
        labelled = read_labelled(
            data, text_col=text_col, label_col=label_col, labels_map=labels_map, sheet=sheet
        )
        for note in labelled.notes():
            say(note)
        result = run(load(model), labelled)
    m = result.metrics
    typer.echo(f"{data}: {m.n} texts, macro-F1 {m.macro_f1:.3f}, accuracy {m.accuracy:.3f}")
    typer.echo(m.table())
    if out is not None:
        with user_errors():
            write_evaluation(result, out, source=str(data), excel_safe=excel_safe)
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
    sheet: SheetOption = None,
    incidents: Annotated[
        Optional[Path],
        typer.Option(help="Incidents table of these appeals (appeals incidents) for a section."),
    ] = None,
    lang: LangOption = "ru",
) -> None:
    """Distribution of appeals by category against the published split, corrected for errors."""
    from classifier.api import load
    from classifier.file_report import read_appeals, report_file
    from classifier.i18n import appeals
    from classifier.quantify import METHODS

    with user_errors():
        if method not in METHODS:
            raise typer.BadParameter(f"use one of {', '.join(METHODS)}", param_hint="--method")
        check_folder(out)
        rows = read_appeals(
            data, text_col=text_col, id_col=id_col, date_col=date_col, sheet=sheet, on_note=say
        )
        say(
            f"классифицирую {appeals(len(rows.texts), lang)} из {data}"
            if lang == "ru"
            else f"classifying {appeals(len(rows.texts), lang)} from {data}"
        )
        done = report_file(
            rows,
            out,
            model=load(model),
            method=method,
            calibration=calibration,
            match=match,
            incidents=incidents,
            lang=lang,
            text_col=text_col,
            id_col=id_col,
            on_note=say,
        )
    result, files = done.report, done.files
    typer.echo(result.table(lang))
    typer.echo()
    typer.echo(result.summary(lang))
    if result.monthly_table(lang):
        typer.echo()
        typer.echo(result.monthly_table(lang))
    elif result.monthly_note(lang):
        typer.echo()
        typer.echo(result.monthly_note(lang))
    if result.incidents is not None:
        typer.echo()
        typer.echo(result.incidents.markdown(lang=lang))
    written = ", ".join(p.name for p in vars(files).values() if p)
    typer.echo(
        f"\nзаписано в {out}/: {written}" if lang == "ru" else f"\nwritten to {out}/: {written}"
    )


@app.command()
def card(model: ModelOption = None, lang: LangOption = "ru") -> None:
    """Print the model card (Markdown): labels, training data, metrics, review flag."""
    from classifier.api import load
    from classifier.modelcard import render_model_card

    with user_errors():
        typer.echo(render_model_card(load(model).metadata, lang=lang))


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
    routes: RoutesOption = None,
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
            if routes is not None:
                from classifier.routing import load_routes

                load_routes(routes)  # a bad file is one line here, not N worker crashes
                os.environ["APPEALS_ROUTES"] = str(Path(routes).resolve())
            # uvicorn binds the socket here and spawns the workers, which inherit it and
            # accept from it in turn; each builds the app (create_app) and loads the model
            # named by $APPEALS_MODEL itself. The parent only supervises.
            os.environ["APPEALS_MODEL"] = str(loaded.path)
            # A page's upload and its later requests may reach different workers, and a
            # job lives in the process that took the upload: the page needs one worker.
            os.environ["APPEALS_PAGE"] = "0"
            say("the analysts' page is off with --workers > 1 (it needs one worker); the API is on")
            del loaded
            app_ = None
        else:
            app_ = create_app(model=loaded, api_token=token, routes=routes)
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
    sheet: SheetOption = None,
    excel_safe: ExcelSafe = True,
    urgency: Annotated[
        bool, typer.Option("--urgency", help="Add an 'urgent' column (danger that cannot wait).")
    ] = False,
    routes: RoutesOption = None,
    date_col: Annotated[
        Optional[str],
        typer.Option("--date-col", help="Column with the received time, for deadlines (--routes)."),
    ] = None,
    mask_pii: Annotated[
        bool,
        typer.Option(
            "--mask-pii", help="Write the text with personal data masked, not the original."
        ),
    ] = False,
) -> None:
    """Add label, label_ru, confidence, p_<label> and needs_review to every row of a table, in order."""
    if dask is not None:
        with user_errors():
            from classifier.distributed import classify_dask

            if sheet is not None:
                raise AppealsError("--sheet reads an XLSX file; --dask reads CSV or Parquet")
            if urgency or routes is not None or mask_pii:
                raise AppealsError("--urgency, --routes and --mask-pii do not run with --dask")

            say(f"classifying {data} on the Dask cluster {dask}")
            result = classify_dask(
                data,
                out,
                address=dask,
                model=model,
                text_col=text_col,
                prefix=prefix,
                excel_safe=excel_safe,
                review=True,
            )
        typer.echo(
            f"{result.rows} rows ({result.empty} with empty text, {result.needs_review} need "
            f"review) in {result.partitions} partitions written to {result.output} in "
            f"{result.seconds:.1f} s"
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
            sheet=sheet,
            excel_safe=excel_safe,
            on_progress=lambda n: bar.advance(task, n),
            on_note=say,
            review=True,
            urgency=urgency,
            routes=routes,
            date_col=date_col,
            mask_pii=mask_pii,
        )
    typer.echo(
        f"{result.rows} rows ({result.empty} with empty text) written to {result.output} "
        f"in {result.seconds:.1f} s ({result.rate:.0f} rows/s, {result.workers} worker(s))"
    )
    typer.echo(
        f"{result.needs_review} rows need review"
        if result.review_threshold is not None
        else "needs_review: the model has no review threshold, no row is flagged"
    )
    if result.urgent is not None:
        typer.echo(f"{result.urgent} rows urgent")
    if routes is not None:
        typer.echo(
            f"routes from {routes}"
            + (f"; deadlines from {date_col!r}" if date_col else "; no --date-col: no deadlines")
        )
    if result.masked:
        typer.echo(f"personal data masked: the {text_col!r} column holds the masked text")


@app.command()
def incidents(
    data: Annotated[Path, typer.Argument(help="Appeals: CSV, XLSX, JSONL or Parquet.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Output file; also writes <stem>_incidents<suffix>, one row each."
        ),
    ],
    window: Annotated[
        str, typer.Option(help="Longest gap between linked appeals: 72h, 3d, 90min, 1w.")
    ] = "72h",
    date_col: Annotated[
        Optional[str],
        typer.Option("--date-col", help="Date column (default: detected; none: no window)."),
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Least text similarity (TF-IDF cosine).")
    ] = 0.2,
    model: ModelOption = None,
    text_col: TextCol = "text",
    prefix: Annotated[str, typer.Option(help="Prefix of the added columns.")] = "",
) -> None:
    """Group appeals about one problem at one place within a time window into incidents."""
    from classifier.incidents import incidents_file

    with user_errors():
        say(f"classifying and grouping {data}")
        result = incidents_file(
            data,
            out,
            model=model,
            text_col=text_col,
            date_col=date_col,
            window=window,
            threshold=threshold,
            prefix=prefix,
        )
    for note in result.notes:
        say(f"note: {note}")
    typer.echo(
        f"{result.rows} appeals in {result.incidents} incidents ({result.grouped_rows} appeals "
        f"in incidents of 2 or more) written to {result.output}; incidents: "
        f"{result.incidents_table} ({result.seconds:.1f} s)"
    )


@app.command()
def audit(
    data: Annotated[Path, typer.Argument(help="Labelled table: CSV, XLSX, JSONL or Parquet.")],
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Ranked list (default: DATA.audit.csv).")
    ] = None,
    text_col: TextCol = "text",
    label_col: LabelCol = "label",
    id_col: IdCol = "id",
    labels_map: LabelsMap = None,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    top: Annotated[int, typer.Option(min=0, help="Rows to print.")] = 10,
) -> None:
    """Rank labelled rows by how likely their label is wrong (confident learning on CV)."""
    from rich.progress import Progress

    from classifier.audit import audit_file

    out = out if out is not None else data.with_name(f"{data.stem}.audit.csv")
    with user_errors(), Progress(transient=True) as bar:
        task = bar.add_task("cross-validation", total=folds)
        result = audit_file(
            data,
            out,
            text_col=text_col,
            label_col=label_col,
            id_col=id_col,
            labels_map=labels_map,
            folds=folds,
            progress=say,
            on_fold=lambda fold: bar.update(task, completed=fold),
        )
    for r in result.audit.top(top):
        text = " ".join(result.texts[r.index].split())[:70]
        typer.echo(f"{r.score:.2f}\t{r.label} -> {r.suggested}\t{text}")
    typer.echo(
        f"{result.audit.n_flagged} of {result.n} rows look mislabelled; "
        f"all rows ranked in {result.output}"
    )


def main() -> None:
    """Entry point of the `appeals` console script."""
    app()
