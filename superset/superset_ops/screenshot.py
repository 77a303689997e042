"""A dashboard seen by headless Chromium: log in, open it, wait for every chart, save a PNG.

Run with Superset's interpreter (Selenium is one of Superset's own dependencies). The browser
resolves no host but 127.0.0.1, so a page that reached out would show it as a failed load
instead of leaking a request. Prints one JSON line: charts found, rendered, errors.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1600,1800",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
CHART_HOLDER = "[data-test='dashboard-component-chart-holder']"
# What each kind of chart draws once its data arrived: ECharts canvas, a table, a big number.
DRAWN = "canvas, svg, table, .header-line"
ERROR_TEXT = ("Unexpected error", "Data error", "Error:", "error occurred", "Timeout")


def browser(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


def log_in(driver: webdriver.Chrome, base_url: str, username: str, password: str) -> None:
    driver.get(f"{base_url}/login/")
    wait = WebDriverWait(driver, 60)
    wait.until(ready.presence_of_element_located((By.ID, "username"))).send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait.until(lambda d: "/login" not in d.current_url)


def chart_states(driver: webdriver.Chrome) -> list[dict]:
    states = []
    for holder in driver.find_elements(By.CSS_SELECTOR, CHART_HOLDER):
        text = holder.text
        states.append(
            {
                "title": text.splitlines()[0] if text else "",
                "loading": bool(
                    holder.find_elements(By.CSS_SELECTOR, "[data-test='loading-indicator']")
                ),
                "drawn": bool(holder.find_elements(By.CSS_SELECTOR, DRAWN)),
                "errors": [marker for marker in ERROR_TEXT if marker in text]
                + (["alert"] if holder.find_elements(By.CSS_SELECTOR, ".ant-alert-error") else []),
            }
        )
    return states


def screenshot(
    base_url: str,
    slug: str,
    username: str,
    password: str,
    out: Path,
    expected_charts: int,
    timeout: float = 90,
) -> dict:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        driver = browser(Path(profile))
        try:
            log_in(driver, base_url, username, password)
            started = time.monotonic()
            driver.get(f"{base_url}/superset/dashboard/{slug}/?standalone=1")
            states = []
            while time.monotonic() - started < timeout:
                states = chart_states(driver)
                settled = [s for s in states if not s["loading"] and (s["drawn"] or s["errors"])]
                if len(states) >= expected_charts and len(settled) == len(states):
                    break
                time.sleep(1)
            time.sleep(2)  # let ECharts finish its entry animation before the picture
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1600, max(1200, min(int(height) + 100, 4000)))
            states = chart_states(driver)
            driver.save_screenshot(str(out))
            page_errors = [
                m for m in ERROR_TEXT if m in driver.find_element(By.TAG_NAME, "body").text
            ]
        finally:
            driver.quit()
    return {
        "charts": len(states),
        "drawn": sum(s["drawn"] and not s["loading"] for s in states),
        "chart_errors": {s["title"]: s["errors"] for s in states if s["errors"]},
        "page_errors": page_errors,
        "titles": [s["title"] for s in states],
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m superset_ops.screenshot")
    parser.add_argument("--url", required=True)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--charts", type=int, required=True, help="how many charts to wait for")
    args = parser.parse_args()
    password = args.password_file.read_text().strip()
    print(
        json.dumps(screenshot(args.url, args.slug, args.username, password, args.out, args.charts))
    )


if __name__ == "__main__":
    main()
