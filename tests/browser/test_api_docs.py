"""The API docs render in a real browser under the portal's content security policy and ask no
other host for anything (no CDN, no web fonts)."""

from urllib.parse import urlparse

import pytest

from accounts.choices import Role

from ..factories import UserFactory
from .harness import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_hosts(page) -> list[str]:
    hosts: list[str] = []

    def seen(request) -> None:
        url = urlparse(request.url)
        if url.scheme in {"http", "https", "ws", "wss"}:  # data: and blob: stay in the page
            hosts.append(url.netloc)

    page.on("request", seen)
    return hosts


@pytest.mark.parametrize(
    ("path", "rendered", "name"),
    [
        ("/api/docs/", "#swagger-ui .opblock", "api-docs-swagger"),
        (
            "/api/redoc/",
            "#redoc-container h1, redoc h1, [role=navigation] >> nth=0",
            "api-docs-redoc",
        ),
    ],
)
def test_api_docs_render_with_no_csp_violation_and_no_other_host(
    page, live_server, path, rendered, name
):
    # Given a developer signed in to the portal
    sign_in(page, UserFactory(role=Role.ADMIN))
    hosts = _watch_hosts(page)
    # When they open the API docs
    page.goto(path)
    page.locator(rendered).first.wait_for(state="visible", timeout=30_000)
    # Then the operations are there, nothing was blocked, and every request stayed on the portal
    assert "/api/v1/deals/" in page.content()
    assert not [e for e in page.console_errors if "Content Security Policy" in e], (
        page.console_errors
    )
    assert set(hosts) == {urlparse(live_server.url).netloc}, hosts
    # The viewport only: the whole ReDoc page is tens of thousands of pixels tall.
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
