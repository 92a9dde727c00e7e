"""Browser-test harness: headless Chromium (Debian's package, installed by `make test`) driven by
Playwright. Loaded once for the whole suite from tests/conftest.py, so every app's browser tests
share one Playwright session (two sync sessions cannot run in one thread)."""

import os
import shutil
from pathlib import Path

import pytest

from ..factories import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    for candidate in (
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: run `make system-packages`.")


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1360, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def sign_in(page, user, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", password)
    page.click("#sign-in")
    page.wait_for_url("**/")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(browser, live_server):
    """A page the size of a phone (390 × 844 CSS pixels, DESIGN §8.2)."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport=PHONE,
        has_touch=True,
        reduced_motion="reduce",  # the drawer opens without sliding: positions are final at once
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


# The innermost elements that stick out on the right, to say what is too wide when a page is.
WIDER_THAN_SCREEN = """width => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > width + 0.5 && el.closest(".table-wrap") === null)
  .filter(el => !Array.from(el.children).some(c => c.getBoundingClientRect().right > width + 0.5))
  .slice(0, 5).map(el => el.tagName + "." + el.className + " " + Math.round(el.getBoundingClientRect().right))"""


def assert_fits_the_phone(page) -> None:
    """Nothing is wider than the screen and the Menu button is on it, whole."""
    width = page.viewport_size["width"]
    wider = page.evaluate(WIDER_THAN_SCREEN, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wider
    box = page.locator("[data-menu-toggle]").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= width
    assert box["y"] + box["height"] <= page.viewport_size["height"]
