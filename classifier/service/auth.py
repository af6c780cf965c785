"""The API token: read and checked once at start-up, enforced before a request's body is read."""

import os
import secrets
from collections.abc import Callable

from fastapi.responses import JSONResponse

from classifier.errors import ConfigError
from classifier.service.access_log import ASGIApp, Scope
from classifier.service.limits import DRAIN_BYTES, drain

TOKEN_ENV = "APPEALS_API_TOKEN"
# Requests under this prefix need the token; /health and the docs stay open.
PROTECTED_PREFIX = "/v1/"


def resolve_api_token(api_token: str | None = None) -> str | None:
    """Return the token (`api_token`, else $APPEALS_API_TOKEN), or None when neither is set.

    An empty or blank token, or one with white space around it (which no client can
    send: servers strip header values), is a misconfiguration, not "no token": it
    raises `ConfigError` instead of silently opening the API.
    """
    name = "api_token"
    if api_token is None:
        api_token, name = os.environ.get(TOKEN_ENV), f"${TOKEN_ENV}"
        if api_token is None:
            return None
    if not isinstance(api_token, str):
        raise ConfigError(f"{name} must be a string, got {type(api_token).__name__}")
    if not api_token.strip():
        raise ConfigError(f"{name} is empty: set a token, or leave it unset to run without one")
    if api_token != api_token.strip():
        raise ConfigError(f"{name} has white space at its start or end")
    if not api_token.isascii() or not api_token.isprintable():
        raise ConfigError(f"{name} must be printable ASCII (an HTTP header value)")
    return api_token


class TokenCheck:
    """Answer 401 (JSON) to a /v1/* request without `Authorization: Bearer <token>`.

    An ASGI middleware in front of the body limit and the body parsing, so a caller
    without the token never has its body parsed (it is read and dropped, so that the client sees the 401 instead of a reset connection).
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode("ascii") if token is not None else None

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if (
            scope["type"] != "http"
            or self.token is None
            or not scope["path"].startswith(PROTECTED_PREFIX)
            or self._authorized(scope)
        ):
            await self.app(scope, receive, send)
            return
        if not await drain(receive, DRAIN_BYTES):
            return  # the client went away
        response = JSONResponse(
            {"detail": "missing or wrong API token"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer", "Connection": "close"},
        )
        await response(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, given = header.partition(b" ")
        # Compared even for a wrong scheme, so timing tells nothing about the token.
        same = secrets.compare_digest(given.strip(), self.token)
        return same and scheme.lower() == b"bearer"
