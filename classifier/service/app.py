"""The HTTP API: FastAPI app factory, request limits, API token, structured access logs.

    uvicorn --factory classifier.service:create_app     # or: appeals serve

Imported as `classifier.service.create_app`; see the package docstring for the modules.

The model is loaded once, when the app starts, and runs on one thread of its own;
texts of requests that arrive while it is busy are classified together in the next
call, which is how single-text requests reach a high rate on few cores.
Logs are JSON lines with the request id, path, status, number of items and duration;
they never contain an appeal text (personal data).
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at
# run time, and the request models are built per app, inside `create_app`.
import asyncio
import functools
import gc
import os
import secrets
import time
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)
from pydantic_core import to_json
from starlette.exceptions import HTTPException as StarletteHTTPException

from classifier.labels import LABELS, LABELS_RU
from classifier.model import load_model
from classifier.service.access_log import AccessLog, log
from classifier.service.auth import TOKEN_ENV, TokenCheck, resolve_api_token
from classifier.service.batcher import Batcher
from classifier.service.jobs import DEFAULT_TTL_S, JobStore, sweep_forever
from classifier.service.limits import BodyLimit
from classifier.service.page import add_page, page_lang

if TYPE_CHECKING:
    from classifier.model import Model
    from classifier.routing import Routes

# "0" turns the analysts' page off (`appeals serve --workers` does: a job lives in one process).
PAGE_ENV = "APPEALS_PAGE"
# The routes file for `create_app` without `routes` (how `serve --workers` hands it on).
ROUTES_ENV = "APPEALS_ROUTES"
# Real appeals are at most a few thousand characters; longer is a pasted document.
MAX_TEXT_CHARS = 10_000
# 1,000 texts take ~0.2 s of model time, so one request cannot stall the others long.
MAX_BATCH = 1_000
# Bounds the whole request whatever the item count (1,000 typical appeals are ~200 KB).
MAX_BODY_BYTES = 2 * 1024 * 1024


def _schemas(max_text_chars: int, max_batch: int) -> tuple[type[BaseModel], type[BaseModel]]:
    """Return the request and response models with the app's limits built in."""
    Text = Annotated[str, StringConstraints(max_length=max_text_chars)]

    class Item(BaseModel):
        """One appeal with the caller's id, returned with its prediction."""

        model_config = ConfigDict(extra="forbid")
        # Strict: JSON true is not the id 1, nor 1.0, nor "1" an int.
        id: StrictStr | StrictInt
        text: Text
        # When the appeal was received (ISO 8601): with routes, the deadline counts from it.
        received_at: datetime | None = None

    class ClassifyRequest(BaseModel):
        """Either `texts` (ids are their positions) or `items` with ids; not both."""

        model_config = ConfigDict(
            extra="forbid",
            json_schema_extra={
                "examples": [
                    {"texts": ["Третий день нет горячей воды", "Яма на дороге"]},
                    {"items": [{"id": "a-17", "text": "Контейнеры переполнены"}]},
                ]
            },
        )
        texts: list[Text] | None = Field(default=None, max_length=max_batch)
        items: list[Item] | None = Field(default=None, max_length=max_batch)
        # Opt-in extras: the words behind each label, and the urgency check.
        explain: bool = False
        urgency: bool = False

        @model_validator(mode="after")
        def _one_of(self) -> "ClassifyRequest":
            if (self.texts is None) == (self.items is None):
                raise ValueError("give exactly one of 'texts' or 'items'")
            return self

    class PredictionOut(BaseModel):
        """The prediction of one item; `empty` marks a blank text (label 'other', 0.2 each)."""

        id: str | int
        label: str
        label_ru: str
        confidence: float
        probabilities: dict[str, float]
        empty: bool
        needs_review: bool = False
        urgent: bool | None = None
        explanation: list[dict] | None = None
        route: str | None = None
        deadline: str | None = None

    class ClassifyResponse(BaseModel):
        """One prediction per item, in the order of the request."""

        model: str
        predictions: list[PredictionOut]

    return ClassifyRequest, ClassifyResponse


def create_app(
    *,
    model: "Model | None" = None,
    model_path: Path | str | None = None,
    max_text_chars: int = MAX_TEXT_CHARS,
    max_batch: int = MAX_BATCH,
    max_body_bytes: int = MAX_BODY_BYTES,
    api_token: str | None = None,
    routes: "Routes | Path | str | None" = None,
    page: bool | None = None,
    jobs_dir: Path | str | None = None,
    jobs_ttl: float = DEFAULT_TTL_S,
) -> FastAPI:
    """Return the API app; the model (given, or loaded from `model_path` at start-up) serves all requests.

    The API token is `api_token`, else $APPEALS_API_TOKEN; with one set, /v1/* requests
    need the header `Authorization: Bearer <token>`, checked before the body is read.
    An empty or blank token raises `ConfigError` (a ValueError): it would open the API.
    With `routes` (a `classifier.routing.Routes` or its TOML file) every prediction
    carries ``route`` and, for items with ``received_at``, ``deadline``; without
    `routes`, the file named by $APPEALS_ROUTES, if set.
    With `page` (default: on unless $APPEALS_PAGE is "0") the analysts' page is served
    at ``/`` (`classifier.service.page`); uploads live in `jobs_dir` (default: a new
    folder in the system's temporary directory) for `jobs_ttl` seconds after processing.
    """
    if page is None:
        page = os.environ.get(PAGE_ENV, "1") != "0"
    store = JobStore(root=jobs_dir, ttl=jobs_ttl) if page else None
    token = resolve_api_token(api_token)
    if routes is None and os.environ.get(ROUTES_ENV):
        routes = os.environ[ROUTES_ENV]
    if routes is not None:
        from classifier.routing import as_routes

        routes = as_routes(routes)
    ClassifyRequest, ClassifyResponse = _schemas(max_text_chars, max_batch)
    limits = {
        "max_text_chars": max_text_chars,
        "max_batch": max_batch,
        "max_body_bytes": max_body_bytes,
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loaded = model if model is not None else load_model(model_path)
        # Before the first request: uvicorn opens its socket only once start-up is done,
        # so /health answers when the fast path is built and the caches are primed.
        warm = loaded.warm()
        frozen = freeze_heap()
        batcher = Batcher(loaded)
        batcher.start()
        app.state.model = loaded
        app.state.batcher = batcher
        app.state.warm = warm
        app.state.started = time.time()
        app.state.job_tasks = set()
        if store is not None:
            # Expired files go on time even when no request comes to trigger a sweep.
            app.state.job_tasks.add(asyncio.create_task(sweep_forever(store)))
        fields = {
            "model": _model_name(loaded),
            "auth": token is not None,
            "compiled": warm.compiled,
            "warm_words": warm.words,
            "warm_s": round(warm.seconds, 3),
            "frozen_objects": frozen,
            **limits,
        }
        log.info("model loaded", extra={"fields": fields})
        try:
            yield
        finally:
            for task in list(app.state.job_tasks):
                task.cancel()
            await asyncio.gather(*app.state.job_tasks, return_exceptions=True)
            await batcher.stop()
            if store is not None:
                store.close()
            # What the app froze is collectable again once it stops (an app embedded in
            # a longer-lived process, or the tests' many apps).
            gc.unfreeze()

    app = FastAPI(
        title="appeals-classifier",
        summary="Topic of Russian citizen appeals: housing, waste, roads, ecology, other.",
        version=_package_version(),
        lifespan=lifespan,
    )
    bearer = HTTPBearer(auto_error=False, description=f"The token in ${TOKEN_ENV}, when set.")

    # A second check behind TokenCheck (which answers first, before the body is read);
    # as a dependency it also puts the bearer scheme into the OpenAPI docs. Async, so
    # FastAPI calls it inline: a plain function would cost each request a thread hop.
    async def check_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials is not None else ""
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                status_code=401,
                detail="missing or wrong API token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the offending input, which may be an appeal text.
        errors = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg"), "type": error.get("type")}
            for error in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI answers a body that is not UTF-8 or nests too deeply for the JSON
        # parser with 400 "There was an error parsing the body": make it the 422
        # json_invalid that any other invalid JSON gets.
        reason = _unparsable_body(exc)
        if reason is not None:
            error = {"loc": ["body"], "msg": reason, "type": "json_invalid"}
            return JSONResponse({"detail": [error]}, status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # The type only, whatever the formatter: an exception's message may quote the input.
        route = getattr(request.scope.get("route"), "path", None)
        fields = {
            "request_id": request.state.request_id,
            "path": route or "<unmatched>",
            "error": type(exc).__name__,
        }
        log.error("unhandled error", extra={"fields": fields})
        return JSONResponse(
            {"detail": "internal error", "request_id": request.state.request_id},
            status_code=500,
        )

    @app.get("/health", tags=["service"])
    async def health(request: Request) -> dict:
        """Liveness and readiness: the model is loaded and warm (`compiled`: the fast path is used)."""
        return {
            "status": "ok",
            "model": _model_name(request.app.state.model),
            "compiled": request.app.state.warm.compiled,
            "uptime_s": round(time.time() - request.app.state.started, 3),
        }

    @app.get("/v1/model", tags=["classification"], dependencies=[Depends(check_token)])
    async def model_info(request: Request) -> dict:
        """The model's labels, training data, metrics and versions, and the API's limits."""
        loaded = request.app.state.model
        meta = loaded.metadata
        metrics = {
            name: {k: v for k, v in part.items() if k in ("macro_f1", "accuracy", "n")}
            for name, part in meta.get("metrics", {}).items()
            if isinstance(part, dict) and "macro_f1" in part
        }
        return {
            "name": _model_name(loaded),
            "labels": list(LABELS),
            "labels_ru": dict(LABELS_RU),
            "trained_at": meta.get("trained_at"),
            "sha256": meta.get("artifact", {}).get("sha256"),
            "training_data": {
                k: v for k, v in meta.get("training_data", {}).items() if k in ("file", "n")
            },
            "metrics": metrics,
            "versions": meta.get("versions", {}),
            "limits": limits,
        }

    @app.get("/v1/model/card", tags=["classification"], dependencies=[Depends(check_token)])
    async def model_card(request: Request, lang: str = "ru") -> PlainTextResponse:
        """The model card in Markdown: Russian by default, English with ``lang=en``."""
        from classifier.modelcard import render_model_card

        card = render_model_card(request.app.state.model.metadata, lang=page_lang(lang))
        return PlainTextResponse(card, media_type="text/markdown; charset=utf-8")

    @app.post(
        "/v1/classify",
        tags=["classification"],
        response_model=ClassifyResponse,
        # The opt-in fields (urgent, explanation, route, deadline) appear only when set.
        response_model_exclude_none=True,
        dependencies=[Depends(check_token)],
        responses={
            401: {"description": "Missing or wrong API token"},
            413: {"description": "Request body too large"},
            422: {"description": "Invalid request, text too long or too many items"},
        },
    )
    async def classify(body: ClassifyRequest, request: Request) -> JSONResponse:  # type: ignore[valid-type]
        """Classify `texts` or `items`; one prediction per item, in order, with its id."""
        if body.items is not None:
            ids = [item.id for item in body.items]
            texts = [item.text for item in body.items]
        else:
            ids, texts = list(range(len(body.texts))), body.texts
        request.state.n_items = len(texts)
        results = await request.app.state.batcher.predict(texts) if texts else []
        if results and (body.explain or body.urgency or routes is not None):
            from classifier.triage import add_triage

            received = [item.received_at for item in body.items] if body.items else None
            batcher = request.app.state.batcher
            # On the model's own thread: the pipeline's caches are never shared between threads.
            results = await asyncio.get_running_loop().run_in_executor(
                batcher.thread,
                functools.partial(
                    add_triage,
                    request.app.state.model,
                    texts,
                    results,
                    urgency=body.urgency,
                    explain=body.explain,
                    routes=routes,
                    received_at=received,
                ),
            )
        # A JSONResponse is sent as it is: the records are built here in the shape of
        # ClassifyResponse (the documented schema, unset fields left out), not validated
        # against it again.
        return CompactJSONResponse(
            {
                "model": _model_name(request.app.state.model),
                "predictions": [
                    {"id": i, **{k: v for k, v in result.to_dict().items() if v is not None}}
                    for i, result in zip(ids, results, strict=True)
                ],
            }
        )

    app.state.jobs = store
    if store is not None:
        add_page(app, store, max_body_bytes=max_body_bytes)

    # Outermost last: the access log, then the token, then the body limit, then FastAPI.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(TokenCheck, token=token)
    app.add_middleware(AccessLog, paths=frozenset(route.path for route in app.routes))
    return app


class CompactJSONResponse(JSONResponse):
    """A JSONResponse serialized by pydantic-core: the same JSON values, ~6x faster than `json`.

    For 100 predictions that is 0.07 ms instead of 0.46 ms, on the event loop's thread,
    which every request shares. Each float is written with the shortest digits that
    read back as the same float, as `json` does, only spelled differently at times
    (``0.00006043767466149086`` for ``6.043767466149086e-05``, ``2.5e-7`` for ``2.5e-07``).
    """

    def render(self, content: object) -> bytes:
        """Return `content` as UTF-8 JSON bytes."""
        return to_json(content)


def freeze_heap() -> int:
    """Move every object alive now out of the garbage collector's reach; return how many.

    The model, the analyzer's dictionaries and the primed caches are some 140,000
    container objects that live as long as the process. Left to the collector, each
    full collection walks them all: 0.05-0.1 s with the shipped model, several times a
    minute under load, while every request in flight waits (most of the service's p99
    was that). Frozen, they are never scanned; objects made later (requests, new
    words) are collected as before.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _unparsable_body(exc: StarletteHTTPException) -> str | None:
    """Why FastAPI could not parse a request body as JSON, if that is what `exc` is."""
    if exc.status_code != 400:
        return None
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return "the body is not valid UTF-8"
    if isinstance(exc.__cause__, RecursionError):
        return "the JSON body is nested too deeply"
    return None


def _model_name(model: "Model") -> str:
    """A short name for logs and responses: the file name, never a full path."""
    return model.path.name if model.path is not None else "in-memory"


def _package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("appeals-classifier")
    except metadata.PackageNotFoundError:
        return "0"
