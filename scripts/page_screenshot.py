"""Screenshot of the analysts' page for the README: the shipped model, the demo month of appeals.

    python scripts/page_screenshot.py [--out docs/page.png] [--lang ru]

Uses the browser tooling of the page's end-to-end tests (`tests/browser.py`):
Debian's chromium and chromium-driver, driven by selenium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.by import By  # noqa: E402

from classifier import load  # noqa: E402
from classifier.service import create_app  # noqa: E402
from tests.browser import chromium, wait_for  # noqa: E402
from tests.servers import running  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "page.png")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample_appeals.csv")
    parser.add_argument("--lang", default="ru", choices=("ru", "en"))
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as downloads,
        running(create_app(model=load())) as url,
        chromium(Path(downloads), width=1100, height=1650) as browser,
    ):
        browser.get(f"{url}/?lang={args.lang}")
        browser.find_element(By.ID, "file").send_keys(str(args.data.resolve()))
        browser.find_element(By.ID, "submit").click()
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#report img"), what="report")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(args.out))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
