"""Headless Chromium through selenium, for the page's end-to-end tests and its screenshot.

Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
browser tests skip, unless $APPEALS_REQUIRE_BROWSER is set (as CI sets it): then
they fail, so CI cannot pass without running them.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REQUIRE_ENV = "APPEALS_REQUIRE_BROWSER"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver", "chromium-driver")


def find_browser() -> tuple[str, str] | None:
    """Return the paths of Chromium and its driver, or None when either is missing."""
    browser = next((shutil.which(name) for name in CHROMIUM if shutil.which(name)), None)
    driver = next((shutil.which(name) for name in DRIVER if shutil.which(name)), None)
    return (browser, driver) if browser and driver else None


@contextmanager
def chromium(downloads: Path, *, width: int = 1200, height: int = 1400) -> Iterator[object]:
    """Yield a headless Chromium whose downloads go to `downloads`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = find_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=ru-RU",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield session
    finally:
        session.quit()


def wait_for(condition: Callable[[], object], *, timeout: float = 60, what: str = "") -> object:
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.1)


def downloaded(folder: Path, name: str, *, timeout: float = 30) -> Path:
    """Wait until the browser has finished downloading `name` into `folder`."""
    path = folder / name

    def complete() -> bool:
        return path.exists() and not list(folder.glob("*.crdownload"))

    wait_for(complete, timeout=timeout, what=f"download of {name}")
    return path


def require_browser() -> bool:
    """Whether a missing browser is a failure (CI) rather than a skip."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")
