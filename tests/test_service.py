"""The HTTP API, called over HTTP on a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from classifier import LABELS, Model
from classifier.service import TOKEN_ENV, create_app
from classifier.service.access_log import JsonFormatter
from tests.servers import running

TOKEN = "test-token-5f2c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMITS = {"max_text_chars": 300, "max_batch": 8, "max_body_bytes": 4096}
SECRET = "Иванов Пётр, кв. 12, телефон 8-900-000-00-00, мусор не вывозят"


@pytest.fixture(scope="module")
def url(fitted_model: Model) -> Iterator[str]:
    with running(create_app(model=fitted_model, api_token=TOKEN, **LIMITS)) as base:
        yield base


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as session:
        yield session


@pytest.fixture(scope="module")
def model_file(fitted_model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "appeals.joblib"
    return Model(pipeline=fitted_model.pipeline, metadata={}).save(path)


def test_health_needs_no_token(url: str) -> None:
    response = httpx.get(f"{url}/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_classify_texts_in_order(client: httpx.Client, fitted_model: Model) -> None:
    texts = ["Мусор не вывозят неделю", "", "Яма на дороге у остановки", "Нет горячей воды"]
    response = client.post("/v1/classify", json={"texts": texts})
    assert response.status_code == 200
    predictions = response.json()["predictions"]
    assert [p["id"] for p in predictions] == [0, 1, 2, 3]
    expected = fitted_model.predict(texts)
    assert [p["label"] for p in predictions] == [e.label for e in expected]
    for got, want in zip(predictions, expected):
        # The very floats: the response's JSON writes each in its round-trip form.
        assert got["confidence"] == want.confidence
        assert list(got["probabilities"]) == list(LABELS)
        assert got["probabilities"] == want.probabilities
    assert predictions[1]["empty"] is True and predictions[1]["label"] == "other"
    assert not any(p["empty"] for i, p in enumerate(predictions) if i != 1)


def test_classify_items_keep_ids(client: httpx.Client, fitted_model: Model) -> None:
    items = [
        {"id": "b-2", "text": "Контейнеры переполнены"},
        {"id": 7, "text": "Автобус 5 не пришёл"},
        {"id": "b-2", "text": "Дым от завода"},
    ]
    response = client.post("/v1/classify", json={"items": items})
    assert response.status_code == 200
    predictions = response.json()["predictions"]
    assert [p["id"] for p in predictions] == ["b-2", 7, "b-2"]
    assert [p["label"] for p in predictions] == [
        p.label for p in fitted_model.predict([i["text"] for i in items])
    ]


def test_concurrent_requests_get_their_own_results(
    client: httpx.Client, fitted_model: Model, test_frame
) -> None:
    # Requests in flight together are classified in one model call; each must get
    # back exactly its own predictions.
    texts = [text[:300] for text in test_frame["text"].tolist()[:120]]
    bodies = [{"texts": texts[i : i + (1 + i % 4)]} for i in range(0, 100, 4)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda b: client.post("/v1/classify", json=b), bodies))
    for body, response in zip(bodies, responses):
        assert response.status_code == 200
        got = [p["label"] for p in response.json()["predictions"]]
        assert got == [p.label for p in fitted_model.predict(body["texts"])]


@pytest.mark.parametrize(
    "body, status, where",
    [
        ({"texts": ["я" * 301]}, 422, ["body", "texts", 0]),
        ({"items": [{"id": 1, "text": "я" * 301}]}, 422, ["body", "items", 0, "text"]),
        ({"texts": ["a"] * 9}, 422, ["body", "texts"]),
        ({"texts": ["a"], "items": []}, 422, ["body"]),
        ({}, 422, ["body"]),
        ({"texts": [1]}, 422, ["body", "texts", 0]),
        ({"items": [{"text": "a"}]}, 422, ["body", "items", 0, "id"]),
        ({"texts": ["я" * 290] * 8}, 413, None),
    ],
)
def test_limits_give_json_errors(
    client: httpx.Client, body: dict, status: int, where: list | None
) -> None:
    response = client.post("/v1/classify", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    if where is not None:
        assert detail[0]["loc"] == where
        assert "input" not in detail[0]  # the text is never echoed back
    else:
        assert "4096 bytes" in detail


def test_invalid_json(client: httpx.Client) -> None:
    response = client.post(
        "/v1/classify", content=b'{"texts": [', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_chunked_body_over_the_limit(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"texts": ["'
        for _ in range(100):
            yield b"x" * 100
        yield b'"]}'

    response = client.post(
        "/v1/classify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "request body over 4096 bytes"}


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": TOKEN}, 401),
        (AUTH, 200),
    ],
)
def test_token(url: str, headers: dict, status: int) -> None:
    for method, path, body in [
        ("POST", "/v1/classify", {"texts": ["a"]}),
        ("GET", "/v1/model", None),
    ]:
        response = httpx.request(method, f"{url}{path}", json=body, headers=headers)
        assert response.status_code == status
        if status == 401:
            assert response.json() == {"detail": "missing or wrong API token"}
            assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("env_token, status", [("from-env", 401), (None, 200)])
def test_token_from_environment(
    fitted_model: Model, monkeypatch: pytest.MonkeyPatch, env_token: str | None, status: int
) -> None:
    if env_token is None:
        monkeypatch.delenv(TOKEN_ENV, raising=False)
    else:
        monkeypatch.setenv(TOKEN_ENV, env_token)
    with running(create_app(model=fitted_model)) as base:
        assert httpx.post(f"{base}/v1/classify", json={"texts": ["a"]}).status_code == status
        if env_token is not None:
            ok = httpx.post(
                f"{base}/v1/classify",
                json={"texts": ["a"]},
                headers={"Authorization": f"Bearer {env_token}"},
            )
            assert ok.status_code == 200


def test_model_info(client: httpx.Client) -> None:
    info = client.get("/v1/model").json()
    assert info["labels"] == list(LABELS)
    assert info["labels_ru"]["waste"] == "мусорная реформа"
    assert info["limits"] == LIMITS


def test_openapi_docs(url: str) -> None:
    schema = httpx.get(f"{url}/openapi.json").json()
    assert {"/v1/classify", "/v1/model", "/health"} <= set(schema["paths"])
    assert "bearer" in json.dumps(schema["components"]["securitySchemes"]).lower()
    assert httpx.get(f"{url}/docs").status_code == 200


def test_logs_are_json_without_texts(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="classifier.service")
    ok = client.post(
        "/v1/classify", json={"texts": [SECRET, "a"]}, headers={"X-Request-ID": "req-42"}
    )
    too_long = client.post("/v1/classify", json={"texts": [SECRET * 10]})
    assert ok.headers["x-request-id"] == "req-42"
    assert SECRET not in too_long.text
    formatter = JsonFormatter()
    wanted = {"req-42", too_long.headers["x-request-id"]}
    deadline = time.monotonic() + 5
    while True:  # a request's line is written just after its response is sent
        lines = [json.loads(formatter.format(r)) for r in caplog.records]
        requests = {line["request_id"]: line for line in lines if line["event"] == "request"}
        if wanted <= set(requests) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert requests["req-42"]["path"] == "/v1/classify"
    assert requests["req-42"]["status"] == 200
    assert requests["req-42"]["n_items"] == 2
    assert requests["req-42"]["duration_ms"] > 0
    assert requests[too_long.headers["x-request-id"]]["status"] == 422
    everything = "\n".join(formatter.format(r) for r in caplog.records)
    assert SECRET[:20] not in everything and "мусор не вывозят" not in everything


def test_model_loaded_once_at_start_up(
    fitted_model: Model, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loads: list[object] = []

    def counting_load(path):
        loads.append(path)
        return fitted_model

    monkeypatch.setattr("classifier.service.app.load_model", counting_load)
    app = create_app(model_path=tmp_path / "m.joblib")
    assert loads == []  # not at import or app creation: at start-up
    with running(app) as base:
        for _ in range(5):
            assert httpx.post(f"{base}/v1/classify", json={"texts": ["a"]}).status_code == 200
    assert loads == [tmp_path / "m.joblib"]


def test_api_requests_run_no_thread_hop(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A plain-function endpoint or dependency sends each request through a worker
    # thread, whose GIL hand-offs cost the service about a third of its throughput.
    import anyio.to_thread

    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    for path, body in [("/v1/classify", {"texts": ["Яма на дороге"]}), ("/v1/model", None)]:
        if body is None:
            response = httpx.get(f"{url}{path}", headers=AUTH)
        else:
            response = httpx.post(f"{url}{path}", json=body, headers=AUTH)
        assert response.status_code == 200, path
    assert httpx.post(f"{url}/v1/classify", json={"texts": ["a"]}).status_code == 401
    assert hops == []


def test_start_up_freezes_the_warm_heap(
    fitted_model: Model, caplog: pytest.LogCaptureFixture
) -> None:
    import gc

    caplog.set_level(logging.INFO, logger="classifier.service")
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    model = Model(pipeline=fitted_model.pipeline, metadata={})
    with running(create_app(model=model, page=False)):
        frozen = gc.get_freeze_count()
        # The model's own objects are among those the collector no longer walks.
        tracked = {id(o) for o in gc.get_objects()}
        assert id(model.pipeline.steps) not in tracked
    assert gc.get_freeze_count() == 0  # unfrozen when the app stops
    loaded = [r for r in caplog.records if r.getMessage() == "model loaded"]
    # Frozen objects freed since (by reference counting) leave the count.
    assert loaded[-1].fields["frozen_objects"] >= frozen > 1000


def test_appeals_serve_command(model_file: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    command = [sys.executable, "-c", "from classifier.cli import main; main()"]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--model", str(model_file)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "appeals serve did not answer /health"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health.json()["model"] == "appeals.joblib"
        response = httpx.post(f"http://127.0.0.1:{port}/v1/classify", json={"texts": [SECRET]})
        assert response.status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=15)
    assert server.returncode == 0
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert any(line.get("status") == 200 and line.get("n_items") == 1 for line in lines)
    assert SECRET[:20] not in stderr


def test_appeals_serve_workers(model_file: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, "APPEALS_MODEL")}
    command = [sys.executable, "-c", "from classifier.cli import main; main()"]
    routes = Path(__file__).resolve().parents[1] / "docs" / "routes.example.toml"
    options = ["--model", str(model_file), "--workers", "2", "--routes", str(routes)]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port), *options],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "appeals serve --workers 2 did not answer"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health.json()["model"] == "appeals.joblib" and health.json()["compiled"]
        for _ in range(4):
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/classify", json={"texts": ["нет воды"]}
            )
            assert response.status_code == 200
            assert response.json()["predictions"][0]["route"]  # each worker has the routes
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 404  # the page needs one
        bad = httpx.post(f"http://127.0.0.1:{port}/v1/classify", content=b"{", timeout=5)
        assert bad.status_code == 422
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0
    loaded = [json.loads(line) for line in stderr.splitlines() if '"model loaded"' in line]
    assert len(loaded) == 2 and all(line["compiled"] for line in loaded)


def test_appeals_serve_bad_model(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from classifier.cli import main; main()"]
    result = subprocess.run(
        [*command, "serve", "--model", str(tmp_path / "none.joblib")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "model file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_does_not_load_the_service_or_dask() -> None:
    code = (
        "import sys, classifier, classifier.batch, classifier.distributed; "
        "print([m for m in ('fastapi', 'uvicorn', 'dask', 'distributed') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
