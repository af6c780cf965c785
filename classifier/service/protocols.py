"""uvicorn's HTTP protocols, answering the requests uvicorn itself refuses in JSON.

A request that uvicorn's HTTP parser rejects (a malformed request line or header, a
URL or header over the parser's limits, a body that disagrees with its
Content-Length so that its tail reads as a malformed next request) never reaches the
app: uvicorn answers 400 "Invalid HTTP request received." as text/plain and closes the
connection. `appeals serve` runs uvicorn with the subclasses here, which send
`{"detail": "invalid HTTP request"}` as application/json instead. uvicorn run some
other way (`uvicorn --factory classifier.service:create_app`) keeps the text/plain.
"""

import functools
import importlib.util
import json

INVALID_REQUEST = json.dumps({"detail": "invalid HTTP request"}).encode("ascii")


def __getattr__(name: str) -> type:
    # `JsonHttpProtocol`, by name for uvicorn's workers (http="...protocols:JsonHttpProtocol").
    if name == "JsonHttpProtocol":
        return json_http_protocol()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def json_http_protocol(kind: str = "auto") -> type:
    """Return uvicorn's protocol `kind` ("httptools", "h11"; "auto" as uvicorn picks) with JSON 400s."""
    if kind == "auto":
        kind = "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    if kind == "httptools":
        return _httptools_protocol()
    if kind == "h11":
        return _h11_protocol()
    raise ValueError(f"kind must be 'auto', 'httptools' or 'h11', got {kind!r}")


def _httptools_protocol() -> type:
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    class JsonHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol whose own 400 answers are JSON."""

        def send_400_response(self, msg: str) -> None:
            """Answer 400 with a JSON body and close the connection."""
            content = [STATUS_LINE[400]]
            for name, value in self.server_state.default_headers:
                content.extend([name, b": ", value, b"\r\n"])
            content.extend(
                [
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(INVALID_REQUEST)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n",
                    b"\r\n",
                    INVALID_REQUEST,
                ]
            )
            self.transport.write(b"".join(content))
            self.transport.close()

    return JsonHttpToolsProtocol


def _h11_protocol() -> type:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class JsonH11Protocol(H11Protocol):
        """uvicorn's h11 protocol whose own 400 answers are JSON."""

        def send_400_response(self, msg: str) -> None:
            """Answer 400 with a JSON body and close the connection."""
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(INVALID_REQUEST)).encode("ascii")),
                (b"connection", b"close"),
            ]
            event = h11.Response(status_code=400, headers=headers, reason=b"Bad Request")
            for part in (event, h11.Data(data=INVALID_REQUEST), h11.EndOfMessage()):
                self.transport.write(self.conn.send(part))
            self.transport.close()

    return JsonH11Protocol
