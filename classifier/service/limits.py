"""A request-body size limit for the HTTP API that answers in JSON."""

from collections.abc import Callable

from fastapi.responses import JSONResponse

from classifier.service.access_log import ASGIApp, Scope

# A rejected body is read and dropped up to this size, then the connection is closed.
DRAIN_BYTES = 64 * 1024 * 1024


async def drain(receive: Callable, limit: int) -> bool:
    """Read and drop a request's body (up to about `limit` bytes); False if the client left."""
    size, more = 0, True
    while more and size <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    return True


class BodyLimit:
    """Answer 413 with a JSON body to a request body over `max_bytes`, before any parsing.

    Not FastAPI's own `max_body_size`: it answers a too-large Content-Length with a
    text/plain 413, and every error of this API is JSON.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_large = declared is not None and declared.isdigit() and int(declared) > self.max_bytes
        # The body is read here, at most `max_bytes` of it kept, so a chunked upload is
        # bounded too; the app then reads it from memory.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
            too_large = too_large or size > self.max_bytes
            if too_large:
                # Read on and drop the rest: closing a connection with unread data makes
                # the kernel reset it, and the client would never see the 413.
                if size > DRAIN_BYTES:
                    break
                continue
            chunks.append(message.get("body", b""))
        if too_large:
            response = JSONResponse(
                {"detail": f"request body over {self.max_bytes} bytes"},
                status_code=413,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
