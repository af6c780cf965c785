"""The analysts' page and its /v1/jobs calls, over HTTP on a real uvicorn (no browser)."""

from __future__ import annotations

import io
import json
import logging
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pandas as pd
import pytest

from classifier import LABELS
from classifier.service import create_app
from classifier.service.access_log import JsonFormatter
from classifier.service.jobs import JobStore
from tests.servers import running

TOKEN = "page-token-3b7e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BODY = 200_000


@pytest.fixture(scope="module")
def month(test_frame: pd.DataFrame) -> pd.DataFrame:
    """Appeals of two months with ids, an extra column and one empty text."""
    frame = test_frame.sample(90, random_state=3).reset_index(drop=True)
    frame = frame[["id", "text"]].copy()
    frame["date"] = ["2026-09-10" if i % 2 else "2026-10-05" for i in range(len(frame))]
    frame["district"] = [f"район {i % 4}" for i in range(len(frame))]
    frame.loc[7, "text"] = ""
    return frame


@pytest.fixture(scope="module")
def jobs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jobs")


@pytest.fixture(scope="module")
def url(trained, jobs_dir: Path) -> Iterator[str]:
    app = create_app(
        model=trained.model, api_token=TOKEN, max_body_bytes=MAX_BODY, jobs_dir=jobs_dir
    )
    with running(app) as base:
        yield base


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers=AUTH, timeout=30) as session:
        yield session


def upload(client: httpx.Client, body: bytes, filename: str, **params) -> httpx.Response:
    return client.post("/v1/jobs", params={"filename": filename, **params}, content=body)


def finished(client: httpx.Client, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/v1/jobs/{job_id}").json()
        if status["state"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, status
        assert 0 <= status["done"] <= status["total"]
        time.sleep(0.1)


@pytest.fixture(scope="module")
def done(client: httpx.Client, month: pd.DataFrame) -> dict:
    response = upload(client, month.to_csv(index=False).encode(), "сентябрь.csv")
    assert response.status_code == 202, response.text
    assert response.json()["total"] == len(month)
    status = finished(client, response.json()["id"])
    assert status["state"] == "done", status
    return status


def test_page_is_russian_by_default_and_english_on_request(url: str) -> None:
    ru = httpx.get(f"{url}/")
    assert ru.status_code == 200 and ru.headers["content-type"].startswith("text/html")
    assert '<html lang="ru">' in ru.text and "Классифицировать" in ru.text
    assert ru.text.count('type="file"') == 2  # the appeals and the calibration sheet
    en = httpx.get(f"{url}/", params={"lang": "en"})
    assert '<html lang="en">' in en.text and ">Classify<" in en.text
    assert '<html lang="ru">' in httpx.get(f"{url}/", params={"lang": "xx"}).text


def test_page_loads_nothing_from_elsewhere(url: str) -> None:
    texts = [httpx.get(f"{url}/").text]
    texts += [httpx.get(f"{url}/static/{name}").text for name in ("page.js", "page.css")]
    for text in texts:
        assert not re.search(r"(src|href)=\"(https?:)?//", text)
        assert "http://" not in text and "https://" not in text
    assert httpx.get(f"{url}/static/../app.py").status_code == 404


def test_jobs_need_the_token(url: str) -> None:
    assert httpx.post(f"{url}/v1/jobs", params={"filename": "a.csv"}).status_code == 401
    assert httpx.get(f"{url}/v1/jobs/anything").status_code == 401


def test_report_shares_match_report_json(client: httpx.Client, done: dict) -> None:
    report = json.loads(client.get(f"/v1/jobs/{done['id']}/files/report.json").content)
    assert report == done["report"]
    assert report["n"] == 90 and report["n_empty"] == 1
    for c in report["categories"]:
        row = re.search(rf'<tr data-label="{c["label"]}">(.*?)</tr>', done["report_html"]).group(1)
        shown = re.search(r'class="corrected">([\d,]+)\xa0%', row).group(1)
        assert float(shown.replace(",", ".")) == pytest.approx(round(c["corrected_share"] * 100, 1))
    assert [m["month"] for m in report["monthly"]] == ["2026-09", "2026-10"]
    assert "По месяцам" in done["report_html"] and "monthly.png" in done["files"]


@pytest.mark.parametrize("name", ["classified.csv", "classified.xlsx"])
def test_classified_file_keeps_rows_ids_and_columns(
    client: httpx.Client, done: dict, month: pd.DataFrame, name: str
) -> None:
    response = client.get(f"/v1/jobs/{done['id']}/files/{name}")
    assert response.status_code == 200
    # The upload's own name, in the RFC 5987 form that carries Cyrillic.
    disposition = response.headers["content-disposition"]
    assert f"filename*=utf-8''{quote(f'сентябрь_{name}')}" in disposition
    body = io.BytesIO(response.content)
    frame = (
        pd.read_csv(body, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if name.endswith(".csv")
        else pd.read_excel(body, dtype=str, keep_default_na=False)
    )
    assert frame["id"].tolist() == month["id"].tolist()
    assert frame["district"].tolist() == month["district"].tolist()
    assert set(frame.loc[frame["text"] != "", "label"]) <= set(LABELS)
    assert frame.loc[7, "label"] == ""
    assert {"label_ru", "confidence", "needs_review", *(f"p_{n}" for n in LABELS)} <= set(frame)


def test_labelling_sheet_then_calibration(client: httpx.Client, done: dict) -> None:
    job = done["id"]
    response = client.post(f"/v1/jobs/{job}/sheet", params={"n": 30})
    assert response.status_code == 200 and "sheet.xlsx" in response.json()["files"]
    sheet = pd.read_excel(
        io.BytesIO(client.get(f"/v1/jobs/{job}/files/sheet.xlsx").content),
        dtype=str,
        keep_default_na=False,
    )
    assert len(sheet) == 30 and (sheet["label"] == "").all()
    sheet["label"] = sheet["predicted"]  # the labeller agrees with the model
    buffer = io.BytesIO()
    sheet.to_excel(buffer, index=False)
    calibrated = client.post(
        f"/v1/jobs/{job}/calibration",
        params={"filename": "разметка.xlsx"},
        content=buffer.getvalue(),
    )
    assert calibrated.status_code == 200, calibrated.text
    status = calibrated.json()
    assert status["calibration"] == "разметка.xlsx"
    assert status["report"]["method"] == "calibrated"
    assert status["report"]["calibration"]["n_local"] == 30
    assert "размеченным обращениям" in status["report_html"]
    bad = client.post(
        f"/v1/jobs/{job}/calibration",
        params={"filename": "x.csv"},
        content="text\nнет воды\n".encode(),
    )
    assert bad.status_code == 422 and "x.csv" in bad.json()["detail"]
    assert "label" in bad.json()["detail"]


@pytest.mark.parametrize(
    "body, filename, message",
    [
        (b"message\n\xd0\xbd\xd0\xb5\xd1\x82\n", "a.csv", "a.csv: нет колонки 'text'"),
        (b"text\n", "empty.csv", "empty.csv: колонка 'text': в файле нет ни одной строки"),
        (b"not a spreadsheet", "b.xlsx", "b.xlsx"),
        (b"text\n", "notes.docx", "неизвестный тип файла '.docx'"),
        (b'{"text": "a"}\n{"text": ', "c.jsonl", "c.jsonl"),
    ],
)
def test_unreadable_upload_names_the_problem(
    client: httpx.Client, jobs_dir: Path, body: bytes, filename: str, message: str
) -> None:
    response = upload(client, body, filename)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert message in detail
    assert str(jobs_dir) not in detail  # the upload's name, not the temporary file's


def test_upload_over_the_limit_is_413(client: httpx.Client) -> None:
    response = upload(client, b"text\n" + b"x" * (MAX_BODY + 1), "big.csv")
    assert response.status_code == 413
    assert str(MAX_BODY) in response.json()["detail"]


def test_unknown_job_and_file(client: httpx.Client, done: dict) -> None:
    assert client.get("/v1/jobs/no-such-job").status_code == 404
    assert client.get(f"/v1/jobs/{done['id']}/files/../../etc/passwd").status_code == 404
    assert client.get(f"/v1/jobs/{done['id']}/files/secret.txt").status_code == 404
    assert client.post(f"/v1/jobs/{done['id']}/sheet", params={"n": 0}).status_code == 422


def test_no_appeal_text_in_logs(trained, month: pd.DataFrame, caplog, tmp_path: Path) -> None:
    formatter = JsonFormatter()
    app = create_app(model=trained.model, jobs_dir=tmp_path)
    with (
        caplog.at_level(logging.INFO, logger="classifier.service"),
        running(app) as base,
        httpx.Client(base_url=base, timeout=30) as session,
    ):
        response = upload(session, month.to_csv(index=False).encode(), "m.csv")
        finished(session, response.json()["id"])
    logged = "\n".join(formatter.format(r) for r in caplog.records)
    assert '"path": "/v1/jobs"' in logged and '"path": "/v1/jobs/{job_id}"' in logged
    for text in month["text"]:
        if len(text) > 20:
            assert text[:20] not in logged


def test_files_are_deleted_when_the_job_expires(tmp_path: Path) -> None:
    store = JobStore(root=tmp_path, ttl=60)
    job = store.create("a.csv", "ru")
    (job.folder / "classified.csv").write_text("id\n1\n", encoding="utf-8")
    assert store.sweep(now=time.time() + 3600) == 0  # still running: never expires
    job.finish("done")
    assert store.sweep(now=job.finished + 59) == 0 and job.folder.exists()
    assert store.sweep(now=job.finished + 61) == 1
    assert not job.folder.exists() and store.get(job.id) is None


def test_service_stop_deletes_every_job(trained, month: pd.DataFrame) -> None:
    app = create_app(model=trained.model)
    assert app.state.jobs.root is None  # nothing on disk before the first upload
    with running(app) as base, httpx.Client(base_url=base, timeout=30) as session:
        response = upload(session, month.to_csv(index=False).encode(), "m.csv")
        finished(session, response.json()["id"])
        root = app.state.jobs.root
        assert root.parent == Path(tempfile.gettempdir()) and any(root.iterdir())
        # The upload itself is deleted once read; only the results stay until expiry.
        assert not list(root.glob("*/upload*"))
    assert not root.exists()


def test_too_many_jobs_is_a_clear_503(tmp_path: Path) -> None:
    from classifier.service.jobs import TooManyJobs

    store = JobStore(root=tmp_path, max_jobs=2)
    store.create("a.csv", "ru")
    store.create("b.csv", "ru")
    with pytest.raises(TooManyJobs, match="2 files"):
        store.create("c.csv", "ru")


def test_page_off(trained) -> None:
    with running(create_app(model=trained.model, page=False)) as base:
        assert httpx.get(f"{base}/").status_code == 404
        assert httpx.post(f"{base}/v1/jobs", params={"filename": "a.csv"}).status_code == 404


@pytest.mark.parametrize(
    "lang, title, metric",
    [("ru", "# Карточка модели", "доля верных ответов"), ("en", "# Model card", "accuracy")],
)
def test_model_card_in_both_languages(
    client: httpx.Client, url: str, lang: str, title: str, metric: str
) -> None:
    response = client.get("/v1/model/card", params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith(title) and metric in response.text
    assert httpx.get(f"{url}/v1/model/card").status_code == 401


@pytest.mark.parametrize("lang, title", [("ru", "# Карточка модели"), ("en", "# Model card")])
def test_card_command(trained, tmp_path: Path, lang: str, title: str) -> None:
    from typer.testing import CliRunner

    from classifier.cli import app

    path = trained.model.save(tmp_path / "m.joblib")
    assert (tmp_path / "m.md").read_text(encoding="utf-8").startswith("# Карточка модели")
    result = CliRunner().invoke(app, ["card", "--model", str(path), "--lang", lang])
    assert result.exit_code == 0 and result.output.startswith(title)


def test_expired_files_go_without_a_request(trained, month: pd.DataFrame, tmp_path: Path) -> None:
    app = create_app(model=trained.model, jobs_dir=tmp_path, jobs_ttl=1.0)
    with running(app) as base, httpx.Client(base_url=base, timeout=30) as session:
        response = upload(session, month.to_csv(index=False).encode(), "m.csv")
        folder = tmp_path / finished(session, response.json()["id"])["id"]
        assert (folder / "classified.csv").exists()
        # No request from here on: the sweeper (every 0.1 s with this ttl) deletes it.
        deadline = time.monotonic() + 10
        while folder.exists():
            assert time.monotonic() < deadline, "the expired job's folder is still there"
            time.sleep(0.1)
