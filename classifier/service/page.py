"""The analysts' page at ``/``: upload a file of appeals, watch it classified, read and download the report.

The page is plain HTML, CSS and one small script (`static/`), nothing loaded from
elsewhere. Its calls go to ``/v1/jobs`` (so the API token and the body-size limit
apply to them as to the API):

- ``POST /v1/jobs?filename=…&text_col=…&lang=…`` with the file as the body: 202 and
  the job, or 422 naming what is wrong with the file;
- ``GET /v1/jobs/{id}``: state, progress, the report (JSON and its HTML) and downloads;
- ``GET /v1/jobs/{id}/files/{name}``: a download (classified file, report files, sheet);
- ``POST /v1/jobs/{id}/calibration?filename=…`` with a labelled sheet: the report again,
  corrected with it;
- ``POST /v1/jobs/{id}/sheet?n=…``: a labelling sheet drawn from the file.

Files live in the job's folder (`classifier.service.jobs`) until it expires.
"""

from __future__ import annotations

import asyncio
import functools
import html
import json
import logging
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from classifier.errors import AppealsError, InputError
from classifier.i18n import DEFAULT_LANG, LANGS, translate_error
from classifier.service.jobs import Job, JobStore, TooManyJobs

if TYPE_CHECKING:
    from classifier.file_report import AppealsFile
    from classifier.model import Model

log = logging.getLogger("classifier.service")

# Texts per model call of a job: small enough that API requests interleave with it.
JOB_SLICE = 256
# Labelling sheets drawn from the page: at least this many rows, at most MAX_SHEET_ROWS.
MAX_SHEET_ROWS = 2000

STATIC = {"page.css": "text/css; charset=utf-8", "page.js": "text/javascript; charset=utf-8"}


PHRASES = {
    "ru": {
        "title": "Обращения граждан: распределение по категориям",
        "intro": "Загрузите файл обращений (CSV, XLSX, JSONL или Parquet, колонка с текстом "
        "обращения). Каждое обращение получит категорию, а отчёт покажет, как поток "
        "обращений делится по категориям по сравнению с опубликованным распределением.",
        "file": "Файл обращений",
        "text_col": "Колонка с текстом",
        "submit": "Классифицировать",
        "token": "Ключ доступа к API",
        "token_hint": "Сервис защищён ключом: введите ключ доступа.",
        "progress": "Классифицировано {done} из {total}",
        "reading": "Файл загружается и читается…",
        "reporting": "Строится отчёт…",
        "downloads": "Скачать",
        "classified_xlsx": "классифицированный файл (XLSX)",
        "classified_csv": "классифицированный файл (CSV)",
        "report_html": "отчёт (HTML)",
        "report_md": "отчёт (Markdown)",
        "report_json": "отчёт (JSON)",
        "distribution_png": "график распределения (PNG)",
        "monthly_png": "график по месяцам (PNG)",
        "sheet_xlsx": "лист для разметки (XLSX)",
        "calibration": "Поправка по размеченной выборке",
        "calibration_intro": "Разметьте выборку этих обращений (лист для разметки ниже или "
        "appeals sample) и загрузите её: доли будут исправлены по ошибкам модели на ваших "
        "обращениях.",
        "calibration_submit": "Пересчитать отчёт",
        "calibrated": "Отчёт исправлен по размеченной выборке «{name}».",
        "sheet": "Лист для разметки",
        "sheet_intro": "Случайная выборка обращений этого файла по категориям, с колонкой "
        "для правильной категории.",
        "sheet_n": "Строк",
        "sheet_submit": "Сделать лист",
        "too_large": "Файл слишком большой: можно не больше {limit}. Разделите его на части.",
        "unreadable": "Не удалось прочитать файл: {detail}",
        "failed": "Не удалось обработать файл: {detail}",
        "busy": "Сервис занят другими файлами, попробуйте через несколько минут.",
        "unauthorized": "Неверный или отсутствующий ключ доступа.",
        "expired": "Файлы этой загрузки удалены по истечении срока хранения. Загрузите файл снова.",
        "network": "Нет связи с сервисом.",
        "no_file": "Выберите файл.",
        "other_lang": "English",
        "model_card": "Карточка модели: на чём обучена, метрики, ограничения",
        "keep": "Файлы хранятся на сервере {ttl} после обработки, затем удаляются.",
        "mb": "МБ",
        "minutes": "мин",
    },
    "en": {
        "title": "Citizen appeals: distribution by category",
        "intro": "Upload a file of appeals (CSV, XLSX, JSONL or Parquet with a column of "
        "appeal texts). Each appeal gets a category, and the report shows how the flow of "
        "appeals splits against the published split.",
        "file": "File of appeals",
        "text_col": "Text column",
        "submit": "Classify",
        "token": "API token",
        "token_hint": "The service needs a token: enter it.",
        "progress": "Classified {done} of {total}",
        "reading": "Uploading and reading the file…",
        "reporting": "Building the report…",
        "downloads": "Downloads",
        "classified_xlsx": "classified file (XLSX)",
        "classified_csv": "classified file (CSV)",
        "report_html": "report (HTML)",
        "report_md": "report (Markdown)",
        "report_json": "report (JSON)",
        "distribution_png": "distribution chart (PNG)",
        "monthly_png": "monthly chart (PNG)",
        "sheet_xlsx": "labelling sheet (XLSX)",
        "calibration": "Correction with a labelled sample",
        "calibration_intro": "Label a sample of these appeals (the labelling sheet below, or "
        "appeals sample) and upload it: shares are corrected by the model's errors on your "
        "appeals.",
        "calibration_submit": "Recompute the report",
        "calibrated": "Report corrected with the labelled sample “{name}”.",
        "sheet": "Labelling sheet",
        "sheet_intro": "A stratified sample of this file's appeals, with a column for the "
        "right category.",
        "sheet_n": "Rows",
        "sheet_submit": "Make the sheet",
        "too_large": "The file is too large: at most {limit}. Split it into parts.",
        "unreadable": "Could not read the file: {detail}",
        "failed": "Could not process the file: {detail}",
        "busy": "The service is busy with other files; try again in a few minutes.",
        "unauthorized": "Missing or wrong API token.",
        "expired": "The files of this upload were deleted when their time ran out. Upload "
        "the file again.",
        "network": "The service cannot be reached.",
        "no_file": "Choose a file.",
        "other_lang": "Русский",
        "model_card": "Model card: training data, metrics, limits",
        "keep": "Files are kept on the server for {ttl} after processing, then deleted.",
        "mb": "MB",
        "minutes": "min",
    },
}


@functools.cache
def _static(name: str) -> bytes:
    """A file of `static/`, read once per process: it does not change while the service runs."""
    return resources.files("classifier.service").joinpath(f"static/{name}").read_bytes()


def page_lang(value: str | None) -> str:
    """The page's language from ``?lang=``: Russian unless English is asked for."""
    return value if value in LANGS else DEFAULT_LANG


def render_page(lang: str, *, max_body_bytes: int, ttl: float) -> str:
    """Return the page's HTML in `lang`."""
    words = dict(PHRASES[lang])
    limit = f"{max_body_bytes / 2**20:.1f}".rstrip("0").rstrip(".")
    words["limit"] = f"{limit.replace('.', ',') if lang == 'ru' else limit} {words['mb']}"
    words["keep"] = words["keep"].format(ttl=f"{round(ttl / 60)} {words['minutes']}")
    page = _static("page.html").decode("utf-8")
    for key, value in words.items():
        page = page.replace("{{" + key + "}}", html.escape(value))
    other = "en" if lang == "ru" else "ru"
    page = page.replace("{{lang}}", lang).replace("{{other}}", other)
    # For the script: its messages, in the page's language.
    return page.replace("{{phrases_json}}", html.escape(json.dumps(words, ensure_ascii=False)))


def add_page(
    app: FastAPI,
    store: JobStore,
    *,
    max_body_bytes: int,
) -> None:
    """Add the page, its static files and the /v1/jobs endpoints to `app`."""

    @app.get("/", include_in_schema=False)
    async def page(lang: str | None = None) -> HTMLResponse:
        return HTMLResponse(
            render_page(page_lang(lang), max_body_bytes=max_body_bytes, ttl=store.ttl),
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(status_code=404, detail="not found")
        return Response(_static(name), media_type=STATIC[name])

    @app.post("/v1/jobs", tags=["page"], status_code=202)
    async def create_job(
        request: Request, filename: str, text_col: str = "text", lang: str = DEFAULT_LANG
    ) -> JSONResponse:
        """Upload a file of appeals (the body); it is read now and classified in the background."""
        lang = page_lang(lang)
        suffix = Path(filename).suffix.lower()
        try:
            job = store.create(Path(filename).name or "appeals", lang)
        except TooManyJobs as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from None
        request.state.n_items = 0
        raw = job.folder / f"upload{suffix}"
        raw.write_bytes(await request.body())
        loop = asyncio.get_running_loop()
        try:
            appeals = await loop.run_in_executor(
                None, partial(_read_upload, raw, job.filename, text_col)
            )
        except AppealsError as exc:
            store.discard(job)
            return JSONResponse({"detail": translate_error(str(exc), lang)}, status_code=422)
        except BaseException:
            store.discard(job)
            raise
        raw.unlink(missing_ok=True)
        job.appeals, job.total = appeals, len(appeals.texts)
        request.state.n_items = job.total
        job.state = "classifying"
        app.state.job_tasks.add(task := asyncio.create_task(_run(app, job)))
        task.add_done_callback(app.state.job_tasks.discard)
        return JSONResponse(job.status(), status_code=202)

    def existing(job_id: str) -> Job:
        job = store.get(job_id)
        if job is None:
            raise HTTPException(status_code=404, detail="no such job (it may have expired)")
        return job

    @app.get("/v1/jobs/{job_id}", tags=["page"])
    async def job_status(job_id: str) -> JSONResponse:
        """The job's state and progress; when done, the report and the downloads."""
        return JSONResponse(existing(job_id).status(), headers={"Cache-Control": "no-store"})

    @app.get("/v1/jobs/{job_id}/files/{name}", tags=["page"])
    async def job_file(job_id: str, name: str) -> FileResponse:
        """A file of the job: the classified file, a report file or the labelling sheet."""
        job = existing(job_id)
        if name not in job.files:
            raise HTTPException(status_code=404, detail=f"the job has no file {name!r}")
        stem = Path(job.filename).stem or "appeals"
        return FileResponse(
            job.files[name], filename=f"{stem}_{name}", headers={"Cache-Control": "no-store"}
        )

    @app.post("/v1/jobs/{job_id}/calibration", tags=["page"])
    async def job_calibration(request: Request, job_id: str, filename: str) -> JSONResponse:
        """Correct the job's report with a labelled sheet of these appeals (the body)."""
        job = existing(job_id)
        if job.state != "done" or job.proba is None:
            raise HTTPException(status_code=409, detail="the file is not classified yet")
        raw = job.folder / f"calibration{Path(filename).suffix.lower()}"
        raw.write_bytes(await request.body())
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None, partial(_report, app.state.model, job, calibration=raw)
            )
        except AppealsError as exc:
            detail = str(exc).replace(str(raw), Path(filename).name)
            return JSONResponse({"detail": translate_error(detail, job.lang)}, status_code=422)
        finally:
            raw.unlink(missing_ok=True)
        job.calibration = Path(filename).name
        return JSONResponse(job.status())

    @app.post("/v1/jobs/{job_id}/sheet", tags=["page"])
    async def job_sheet(job_id: str, n: int = 150) -> JSONResponse:
        """Draw a stratified labelling sheet of `n` rows of the job's file (XLSX)."""
        job = existing(job_id)
        if job.appeals is None:
            raise HTTPException(status_code=409, detail="the file is not read yet")
        if not 1 <= n <= MAX_SHEET_ROWS:
            raise HTTPException(
                status_code=422, detail=f"n must be between 1 and {MAX_SHEET_ROWS}, got {n}"
            )
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, partial(_sheet, app.state.model, job, n))
        except AppealsError as exc:
            return JSONResponse({"detail": translate_error(str(exc), job.lang)}, status_code=422)
        return JSONResponse(job.status())


def _read_upload(raw: Path, filename: str, text_col: str) -> AppealsFile:
    """Read an upload; errors name the uploaded file, not the temporary one."""
    from classifier.file_report import read_appeals

    try:
        appeals = read_appeals(raw, text_col=text_col)
    except AppealsError as exc:
        raise type(exc)(str(exc).replace(str(raw), filename)) from None
    if not any(text.strip() for text in appeals.texts):
        n = len(appeals.texts)
        raise InputError(
            f"{filename}: column {text_col!r}: no appeal has a text, nothing to classify "
            + (f"(all {n} are empty)" if n else "(no rows)")
        )
    appeals.path = Path(filename)
    return appeals


async def _run(app: FastAPI, job: Job) -> None:
    """Classify the job's texts in slices on the model's thread, then write the files."""
    from classifier.batch import distinct_texts

    model: Model = app.state.model
    loop = asyncio.get_running_loop()
    try:
        codes, uniques = distinct_texts(job.appeals.texts)
        parts = []
        for start in range(0, len(uniques), JOB_SLICE):
            part = uniques[start : start + JOB_SLICE]
            # One slice per call on the model thread: API requests queue between slices.
            parts.append(
                await loop.run_in_executor(app.state.batcher.thread, model.predict_proba, part)
            )
            job.done = round(job.total * (start + len(part)) / max(len(uniques), 1))
        job.done = job.total
        job.state = "reporting"
        unique_proba = np.vstack(parts) if parts else np.zeros((0, 5))
        await loop.run_in_executor(None, partial(_write_results, model, job, codes, unique_proba))
        job.finish("done")
    except AppealsError as exc:
        job.finish("failed", translate_error(str(exc), job.lang))
    except Exception as exc:  # the type only: a message may quote an appeal
        log.error("job failed", extra={"fields": {"job": job.id, "error": type(exc).__name__}})
        job.finish("failed", f"internal error ({type(exc).__name__})")


def _write_results(model: Model, job: Job, codes: np.ndarray, unique_proba: np.ndarray) -> None:
    """Write the classified file (XLSX and CSV, every input column kept) and the report."""
    from classifier.batch import attach_results
    from classifier.labels import LABELS
    from classifier.review import review_threshold
    from classifier.tables import TableWriter

    classified = attach_results(
        job.appeals.frame,
        codes,
        unique_proba,
        review=True,
        review_threshold=review_threshold(model.metadata),
    )
    for name in ("classified.xlsx", "classified.csv"):
        with TableWriter(job.folder / name, param="output") as writer:
            writer.write(classified)
        job.files[name] = job.folder / name
    proba = np.full((len(codes), len(LABELS)), 1.0 / len(LABELS))
    proba[codes >= 0] = unique_proba[codes[codes >= 0]]
    job.proba = proba
    _report(model, job)


def _report(model: Model, job: Job, *, calibration: Path | None = None) -> None:
    """Build the job's report (with a calibration sheet, if given) and keep its files."""
    from classifier.file_report import report_file
    from classifier.report_render import html_body

    done = report_file(
        job.appeals,
        job.folder / "report",
        model=model,
        calibration=calibration,
        lang=job.lang,
        proba=job.proba,
    )
    files = done.files
    for path in (files.html, files.markdown, files.json, files.distribution_png):
        job.files[path.name] = path
    job.files.pop("monthly.png", None)
    if files.monthly_png is not None:
        job.files["monthly.png"] = files.monthly_png
    job.report = done.report
    job.report_html = html_body(
        done.report, job.lang, png=files.distribution_png, monthly_png=files.monthly_png
    )


def _sheet(model: Model, job: Job, n: int) -> None:
    """Draw and write the job's labelling sheet."""
    from classifier.sheet import design_notes, make_sheet, write_sheet

    appeals = job.appeals
    sheet, design = make_sheet(
        model, appeals.frame, n=n, text_col=appeals.text_col, id_col=appeals.id_col
    )
    path = job.folder / "sheet.xlsx"
    frame = appeals.frame
    notes = design_notes(
        design,
        model=model,
        strategy="stratified",
        seed=0,
        source=job.filename,
        id_col=appeals.id_col if appeals.id_col in frame.columns else None,
    )
    write_sheet(sheet, path, design=notes)
    job.files["sheet.xlsx"] = path
