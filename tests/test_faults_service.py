"""Fault suite for the HTTP service: hostile requests and misconfigurations."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from classifier import Model
from classifier.cli import app as cli_app
from classifier.errors import ConfigError
from classifier.service import TOKEN_ENV, create_app
from classifier.service.access_log import JsonFormatter
from classifier.service.protocols import INVALID_REQUEST, json_http_protocol
from tests.servers import port_of, running

TOKEN = "fault-token-9d1e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMITS = {"max_text_chars": 300, "max_batch": 8, "max_body_bytes": 4096}
SECRET = "Иванов Пётр кв 12"


@pytest.fixture(scope="module", params=["httptools", "h11"])
def port(request: pytest.FixtureRequest, fitted_model: Model) -> Iterator[int]:
    app = create_app(model=fitted_model, api_token=TOKEN, **LIMITS)
    with running(app, http=json_http_protocol(request.param)) as url:
        yield port_of(url)


def raw(port: int, data: bytes, *, close_after: bool = False) -> tuple[int, dict, bytes]:
    """Send raw bytes; return the status, headers and body of the first response."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        if close_after:
            sock.shutdown(socket.SHUT_WR)
        received = receive(sock, first_response_only=True)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    pairs = (line.split(": ", 1) for line in lines[1:] if ": " in line)
    headers = {name.lower(): value for name, value in pairs}
    return int(lines[0].split()[1]), headers, body[: int(headers.get("content-length", len(body)))]


def receive(sock: socket.socket, *, first_response_only: bool = False) -> bytes:
    """Read until the server closes (or, with `first_response_only`, one whole response)."""
    received = b""
    while not (
        first_response_only
        and b"\r\n\r\n" in received
        and len(received) >= _expected_length(received)
    ):
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        received += chunk
    return received


def _expected_length(received: bytes) -> int:
    head, _, _ = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + 4 + int(line.split(b":")[1])
    return len(received)


def post(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A raw HTTP/1.1 POST with a correct Content-Length."""
    lines = [f"POST {path} HTTP/1.1", "Host: x", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def with_length(request_bytes: bytes, length: int) -> bytes:
    """The same request with a Content-Length that lies."""
    return re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % length, request_bytes, count=1)


JSON = {"Content-Type": "application/json"}
DEEP = b'{"texts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize(
    "api_token, env, names",
    [
        ("", None, "api_token"),
        ("   ", None, "api_token"),
        ("\t", None, "api_token"),
        (" token", None, "api_token"),
        ("token\n", None, "api_token"),
        ("токен", None, "api_token"),
        (None, "", TOKEN_ENV),
        (None, "  ", TOKEN_ENV),
    ],
)
def test_blank_token_is_refused(
    fitted_model: Model, monkeypatch: pytest.MonkeyPatch, api_token, env, names: str
) -> None:
    if env is not None:
        monkeypatch.setenv(TOKEN_ENV, env)
    with pytest.raises(ConfigError, match=names.replace("$", r"\$")):
        create_app(model=fitted_model, api_token=api_token)
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize("value", ["", "   "])
def test_serve_refuses_blank_token(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(TOKEN_ENV, value)
    result = CliRunner().invoke(cli_app, ["serve", "--model", "/nonexistent.joblib"])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"error: ${TOKEN_ENV} is empty: set a token, or leave it unset to run without one"
    ]


@pytest.mark.parametrize(
    "body, headers, status",
    [
        # The token is checked before the body is parsed or its size limit applied.
        (b'{"texts": [', JSON, 401),
        (b"\xff\xfe", JSON, 401),
        (DEEP, JSON, 401),
        (b"x" * 10_000, JSON, 401),
        (b'{"texts": ["a"]}', {**JSON, "Authorization": "Basic " + TOKEN}, 401),
        (b'{"texts": ["a"]}', {**JSON, "Authorization": "Bearer"}, 401),
        (b'{"texts": ["a"]}', {**JSON, "Authorization": f"Bearer {TOKEN}x"}, 401),
        (b'{"texts": ["a"]}', {**JSON, **AUTH}, 200),
    ],
    ids=["bad-json", "bad-utf8", "deep", "over-limit", "basic", "empty-bearer", "wrong", "ok"],
)
def test_token_before_body(port: int, body: bytes, headers: dict, status: int) -> None:
    got, response_headers, content = raw(port, post("/v1/classify", body, headers))
    assert got == status
    assert response_headers["content-type"] == "application/json"
    if status == 401:
        assert json.loads(content) == {"detail": "missing or wrong API token"}
        assert response_headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "item_id, status",
    [
        (True, 422),
        (False, 422),
        (1.0, 422),
        (1.5, 422),
        (None, 422),
        ([1], 422),
        ({"a": 1}, 422),
        (1, 200),
        (0, 200),
        ("1", 200),
        ("", 200),
    ],
)
def test_ids_are_strings_or_integers(port: int, item_id: object, status: int) -> None:
    body = json.dumps({"items": [{"id": item_id, "text": "Яма на дороге"}]}).encode()
    got, _, content = raw(port, post("/v1/classify", body, {**JSON, **AUTH}))
    assert got == status
    if status == 200:
        returned = json.loads(content)["predictions"][0]["id"]
        assert returned == item_id and type(returned) is type(item_id)


@pytest.mark.parametrize(
    "body, msg",
    [
        (b'{"texts": ["\xff"]}', "the body is not valid UTF-8"),
        (b'{"texts": ["\xd0"]}', "the body is not valid UTF-8"),
        (DEEP[:4000] + b"]" * 4000, None),  # over the body limit: 413
        (b'{"texts": ' + b"[" * 2000 + b"]" * 2000 + b"}", "the JSON body is nested too deeply"),
        (b'{"texts": ' + b"[" * 500 + b"]" * 500 + b"}", None),  # parses: a validation 422
        (b'{"texts": [', None),
    ],
    ids=["ff", "truncated-utf8", "deep-over-limit", "deep", "nested-500", "truncated-json"],
)
def test_unparsable_bodies_are_documented_json_errors(port: int, body: bytes, msg) -> None:
    got, headers, content = raw(port, post("/v1/classify", body, {**JSON, **AUTH}))
    assert headers["content-type"] == "application/json"
    detail = json.loads(content)["detail"]
    if len(body) > LIMITS["max_body_bytes"]:
        assert got == 413
        return
    assert got == 422
    assert detail[0]["loc"][0] == "body"
    if msg is not None:
        assert detail == [{"loc": ["body"], "msg": msg, "type": "json_invalid"}]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        # Content-Length smaller than the body: the tail reads as a malformed request.
        with_length(
            post("/v1/classify", b'{"texts": ["a"]}NOT HTTP\r\n\r\n', {**JSON, **AUTH}), 16
        ),
    ],
    ids=["request-line", "long-url", "bad-length", "bad-header", "short-length"],
)
def test_invalid_http_gets_json(port: int, request_bytes: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request_bytes)
        received = receive(sock)
    # The last response on the connection is uvicorn's own 400, in JSON.
    last = received[received.rindex(b"HTTP/1.1 ") :]
    head, _, body = last.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"content-type: application/json" in head.lower()
    assert body == INVALID_REQUEST


def _log_line(caplog: pytest.LogCaptureFixture, request_id: str) -> dict:
    """The access-log line of one request, waited for: it is written after the response."""
    formatter = JsonFormatter()
    deadline = time.monotonic() + 5
    while True:
        for record in caplog.records:
            line = json.loads(formatter.format(record))
            if line["event"] == "request" and line["request_id"] == request_id:
                return line
        assert time.monotonic() < deadline, f"no log line for {request_id}"
        time.sleep(0.01)


@pytest.mark.parametrize(
    "path, logged",
    [
        ("/v1/classify", "/v1/classify"),
        (f"/v1/{SECRET}", "<unmatched>"),
        (f"/{SECRET}", "<unmatched>"),
        (f"/health/{SECRET}", "<unmatched>"),
        (f"/v1/classify?text={SECRET}", "/v1/classify"),
        ("/health", "/health"),
    ],
)
def test_log_has_route_not_client_path(
    port: int, caplog: pytest.LogCaptureFixture, path: str, logged: str
) -> None:
    caplog.set_level(logging.INFO, logger="classifier.service")
    url = httpx.URL(f"http://127.0.0.1:{port}{path}")
    request_id = f"route-{abs(hash(path))}"
    httpx.post(url, json={"texts": ["a"]}, headers={**AUTH, "X-Request-ID": request_id}, timeout=5)
    assert _log_line(caplog, request_id)["path"] == logged
    everything = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert SECRET not in everything and "%D0%98" not in everything.upper()


GONE = {"X-Request-ID": "client-gone"}


@pytest.mark.parametrize(
    "request_bytes",
    [
        # The client sends part of a declared body, then goes away.
        with_length(post("/v1/classify", b'{"texts": ["a"]}', {**JSON, **AUTH, **GONE}), 900),
        with_length(post("/v1/classify", b"", {**JSON, **AUTH, **GONE}), 900),
    ],
    ids=["part-of-body", "headers-only"],
)
def test_disconnect_is_logged_as_such(
    port: int, caplog: pytest.LogCaptureFixture, request_bytes: bytes
) -> None:
    caplog.set_level(logging.INFO, logger="classifier.service")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request_bytes)
        time.sleep(0.2)
    line = _log_line(caplog, GONE["X-Request-ID"])
    assert line["status"] == 499 and line["disconnected"] is True
    assert line["path"] == "/v1/classify"


def test_health_and_unknown_paths_answer_json(port: int) -> None:
    for path, status in [("/health", 200), ("/nothing", 404), ("/v1/nothing", 401)]:
        response = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
