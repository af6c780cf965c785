"""Structured logs for the HTTP API: JSON lines, one per request, never an appeal text."""

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("classifier.service")
Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


class JsonFormatter(logging.Formatter):
    """Format a log record as one JSON object per line, with the record's `fields` merged in."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the JSON line."""
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's message may quote the input.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def logging_config(level: str = "info", *, by_name: bool = False) -> dict:
    """Return a `logging.config.dictConfig` that writes JSON lines to stderr (also for uvicorn).

    With `by_name` the formatter is named by its import path, so the dict is plain JSON.
    """
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter" if by_name else JsonFormatter}},
        "handlers": {"stderr": handler},
        "loggers": {
            name: {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
            for name in ("classifier", "uvicorn", "uvicorn.error")
        },
    }


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


# Status logged for a request whose client went away before any response was sent
# (nginx's convention); such lines also carry "disconnected": true.
CLIENT_CLOSED = 499
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"


class AccessLog:
    """Give each request an id (X-Request-ID) and log one JSON line for it, without its body.

    The path logged is the route's template (`/v1/classify`), or "<unmatched>" for a
    path no route serves: never the client's own path, which may be any text.
    """

    def __init__(self, app: ASGIApp, paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status, disconnected = None, False

        async def receive_watched() -> dict:
            nonlocal disconnected
            message = await receive()
            disconnected = disconnected or message["type"] == "http.disconnect"
            return message

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive_watched, send_with_id)
        finally:
            fields = {
                "request_id": request_id,
                "method": scope["method"] if scope["method"] in METHODS else "<other>",
                "path": self._template(scope),
                "status": status or (CLIENT_CLOSED if disconnected else 500),
                "n_items": state.get("n_items"),
                "duration_ms": round((time.perf_counter() - start) * 1000, 3),
            }
            if status is None and disconnected:
                fields["disconnected"] = True
            log.info("request", extra={"fields": fields})

    def _template(self, scope: Scope) -> str:
        """The route template that served the request, else the path if it is a known one."""
        template = getattr(scope.get("route"), "path", None)
        if isinstance(template, str):
            return template
        return scope["path"] if scope["path"] in self.paths else UNMATCHED
