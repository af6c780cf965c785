"""The analysts' page end to end in a real headless Chromium: upload, report, downloads, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from classifier.service import create_app
from tests.browser import chromium, downloaded, find_browser, require_browser, wait_for
from tests.servers import running

if find_browser() is None:
    if require_browser():
        raise RuntimeError("chromium and chromedriver are required here ($APPEALS_REQUIRE_BROWSER)")
    pytest.skip(
        "needs chromium and chromedriver (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium.webdriver.common.by import By

MAX_BODY = 150_000
TOKEN = "browser-token-81c4"


@pytest.fixture(scope="module")
def appeals_csv(test_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two months of appeals with ids and an extra column, named as an analyst would."""
    frame = test_frame.sample(120, random_state=11).reset_index(drop=True)[["id", "text"]]
    frame["date"] = ["2026-08-20" if i % 3 else "2026-09-03" for i in range(len(frame))]
    frame["источник"] = ["vk" if i % 2 else "ok" for i in range(len(frame))]
    path = tmp_path_factory.mktemp("upload") / "обращения_август.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def url(trained) -> Iterator[str]:
    with running(create_app(model=trained.model, max_body_bytes=MAX_BODY)) as base:
        yield base


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[object]:
    with chromium(downloads) as session:
        yield session


def submit(browser, path: Path) -> None:
    browser.find_element(By.ID, "file").send_keys(str(path))
    browser.find_element(By.ID, "submit").click()


def shown_error(browser) -> str:
    box = browser.find_element(By.ID, "error")
    return wait_for(lambda: box.is_displayed() and box.text, what="the error message")


def report_table(browser) -> object:
    return wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#report table.shares"),
        what="the report table",
    )[0]


@pytest.fixture(scope="module")
def uploaded(browser, url: str, appeals_csv: Path) -> dict:
    """Upload the file once; return the report.json of the job the page shows."""
    browser.get(f"{url}/")
    submit(browser, appeals_csv)
    report_table(browser)
    link = browser.find_element(By.CSS_SELECTOR, '#downloads a[data-name="report.json"]')
    return httpx.get(link.get_attribute("href"), timeout=30).json()


def percent_value(cell: str) -> float:
    """43,3 % (39,5–47,5 %) -> 43.3"""
    return float(re.match(r"([\d,]+)\s%", cell).group(1).replace(",", "."))


def test_corrected_shares_shown_equal_report_json(browser, uploaded: dict) -> None:
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    assert not browser.find_element(By.ID, "status").is_displayed()  # progress gone
    for category in uploaded["categories"]:
        row = browser.find_element(By.CSS_SELECTOR, f'tr[data-label="{category["label"]}"]')
        assert row.find_element(By.CSS_SELECTOR, "td.name").text == category["label_ru"]
        corrected = row.find_element(By.CSS_SELECTOR, "td.corrected").text
        assert percent_value(corrected) == round(category["corrected_share"] * 100, 1)
        published = row.find_element(By.CSS_SELECTOR, "td.published").text
        assert percent_value(published) == round(category["published_share"] * 100)
    summary = browser.find_element(By.CSS_SELECTOR, "#report .summary").text
    assert f"{uploaded['n_needs_review']} требу" in summary
    assert "опубликованного" in summary  # the chi-square verdict, in words


def test_months_table_and_chart(browser, uploaded: dict) -> None:
    assert [m["month"] for m in uploaded["monthly"]] == ["2026-08", "2026-09"]
    months = browser.find_element(By.CSS_SELECTOR, "#report table.monthly").text
    assert "август 2026" in months and "сентябрь 2026" in months
    images = browser.find_elements(By.CSS_SELECTOR, "#report img")
    assert len(images) == 2
    # Drawn: the inline PNGs decoded to a real size.
    assert all(browser.execute_script("return arguments[0].naturalWidth", i) > 100 for i in images)


def test_download_classified_file(
    browser, uploaded: dict, appeals_csv: Path, downloads: Path
) -> None:
    browser.find_element(By.CSS_SELECTOR, '#downloads a[data-name="classified.csv"]').click()
    path = downloaded(downloads, "обращения_август_classified.csv")
    got = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sent = pd.read_csv(appeals_csv, dtype=str, keep_default_na=False)
    assert got["id"].tolist() == sent["id"].tolist()
    assert got[list(sent.columns)].equals(sent)
    assert got["label"].isin(["housing", "waste", "roads", "ecology", "other"]).all()
    counts = got["label"].value_counts()
    for category in uploaded["categories"]:
        assert counts.get(category["label"], 0) == category["count"]


def test_download_report_files_and_sheet(browser, uploaded: dict, downloads: Path) -> None:
    browser.find_element(By.CSS_SELECTOR, '#downloads a[data-name="report.html"]').click()
    page = downloaded(downloads, "обращения_август_report.html").read_text(encoding="utf-8")
    assert "Распределение обращений по категориям" in page
    field = browser.find_element(By.ID, "sheet-n")
    field.clear()
    field.send_keys("25")
    browser.find_element(By.ID, "sheet-submit").click()
    sheet = pd.read_excel(downloaded(downloads, "обращения_август_sheet.xlsx"), dtype=str)
    assert len(sheet) == 25 and "label" in sheet.columns


def test_calibration_upload_recomputes_the_report(
    browser, uploaded: dict, downloads: Path, tmp_path: Path
) -> None:
    sheet = pd.read_excel(downloaded(downloads, "обращения_август_sheet.xlsx"), dtype=str)
    sheet["label"] = sheet["predicted"]
    labelled = tmp_path / "разметка.xlsx"
    sheet.to_excel(labelled, index=False)
    browser.find_element(By.ID, "calibration").send_keys(str(labelled))
    browser.find_element(By.ID, "calibration-submit").click()
    note = browser.find_element(By.ID, "calibrated")
    assert "разметка.xlsx" in wait_for(lambda: note.is_displayed() and note.text, what="note")
    assert "размеченным обращениям" in browser.find_element(By.CSS_SELECTOR, ".summary").text


def test_oversized_upload_gives_the_message(browser, url: str, tmp_path: Path) -> None:
    browser.get(f"{url}/")
    big = tmp_path / "big.csv"
    big.write_text("text\n" + "Нет горячей воды третий день\n" * 8000, encoding="utf-8")
    assert big.stat().st_size > MAX_BODY
    submit(browser, big)
    message = shown_error(browser)
    assert "слишком большой" in message and "0,1 МБ" in message
    assert not browser.find_element(By.ID, "result").is_displayed()


@pytest.mark.parametrize(
    "name, body, expected",
    [
        ("письма.csv", "message\nнет воды\n", "письма.csv: нет колонки 'text'"),
        ("таблица.xlsx", "это не таблица", "таблица.xlsx"),
    ],
)
def test_broken_file_gives_the_message(
    browser, url: str, tmp_path: Path, name: str, body: str, expected: str
) -> None:
    browser.get(f"{url}/")
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    submit(browser, path)
    message = shown_error(browser)
    assert message.startswith("Не удалось прочитать файл") and expected in message
    assert not browser.find_element(By.ID, "result").is_displayed()


def test_english_page(browser, url: str, appeals_csv: Path) -> None:
    browser.get(f"{url}/?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Citizen appeals")
    submit(browser, appeals_csv)
    table = report_table(browser)
    assert "corrected share (95% CI)" in table.text and "housing and utilities" in table.text
    assert "chi-square" in browser.find_element(By.CSS_SELECTOR, ".summary").text
    browser.find_element(By.ID, "other-lang").click()
    wait_for(lambda: browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru")


def test_token_is_asked_for_and_used(trained, browser, appeals_csv: Path) -> None:
    with running(create_app(model=trained.model, api_token=TOKEN)) as base:
        browser.get(f"{base}/")
        submit(browser, appeals_csv)
        assert "ключ" in shown_error(browser).lower()
        token = browser.find_element(By.ID, "token")
        assert token.is_displayed()
        token.send_keys(TOKEN)
        browser.find_element(By.ID, "submit").click()
        assert report_table(browser).is_displayed()


def test_model_card_opens(browser, url: str) -> None:
    browser.get(f"{url}/")
    browser.find_element(By.CSS_SELECTOR, "#card-box summary").click()
    card = browser.find_element(By.ID, "card")
    assert wait_for(lambda: card.text, what="the model card").startswith("# Карточка модели")


def test_screenshot(browser, uploaded: dict, tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    assert browser.save_screenshot(str(path))
    assert path.read_bytes()[:4] == b"\x89PNG"
