"""The header notifications in a real browser: open the dropdown with the keyboard, see the count,
mark all read, close with Escape; change an e-mail preference. At 1366 and 390 px, in English
and Chinese."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from core.models import NotificationPreference
from core.notifications import notify

from ..factories import PartnerUserFactory
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
TEXTS = {
    "en": {"mark_all": "Mark all read", "title": "Deal registration approved: Harbour ERP"},
    "zh-hans": {"mark_all": "全部标为已读", "title": "商机报备已批准：Harbour ERP"},
}


@pytest.fixture
def sized_page(browser, live_server, request):
    viewport = WIDTHS[request.param]
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    page.width_name = request.param
    yield page
    context.close()


def _news(user, count: int = 3) -> None:
    with translation.override("en"):  # written by an English-speaking manager
        for i in range(count):
            notify(
                recipients=[user],
                kind="deal.approved",
                title=gettext_lazy("Deal registration approved: %(project)s"),
                body=gettext_lazy("Protected until %(until)s."),
                url="/deals/",
                params={"project": "Harbour ERP" if i == count - 1 else f"Project {i}"},
                email=False,
            )


@pytest.mark.parametrize("sized_page", ["1366", "390"], indirect=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_dropdown_opens_shows_the_count_and_marks_all_read(sized_page, language):
    page = sized_page
    # given a partner seller with three unread notifications
    user = PartnerUserFactory(role=Role.PARTNER_SALES, language=language)
    _news(user)
    sign_in(page, user)
    badge = page.locator("#unread-count")
    assert badge.inner_text() == "3"
    toggle = page.locator("#notifications-link")
    assert toggle.get_attribute("aria-expanded") == "false"
    # when they open the dropdown from the keyboard
    toggle.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#notif-panel")
    panel.locator(".notif-item").first.wait_for()
    # then it lists the news in their language, inside the screen
    assert toggle.get_attribute("aria-expanded") == "true"
    assert TEXTS[language]["title"] in panel.inner_text()
    box = panel.bounding_box()
    width = int(page.width_name)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"notifications-dropdown-{language}-{page.width_name}")
    # when they mark all read
    panel.get_by_role("button", name=TEXTS[language]["mark_all"]).click()
    badge.wait_for(state="hidden")
    assert not panel.locator("li.unread").count()
    # and Escape closes the dropdown, the focus back on the bell
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "notifications-link"
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.parametrize("sized_page", ["1366"], indirect=True)
def test_an_item_marks_itself_read_and_opens_its_page(sized_page):
    page = sized_page
    user = PartnerUserFactory(role=Role.PARTNER_SALES)
    _news(user, count=1)
    sign_in(page, user)
    page.click("#notifications-link")
    page.locator("#notif-panel .notif-item").first.click()
    page.wait_for_url("**/deals/")
    assert page.locator("#unread-count").is_hidden()


@pytest.mark.parametrize("sized_page", ["1366", "390"], indirect=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_preference_change_is_saved(sized_page, language):
    page = sized_page
    user = PartnerUserFactory(role=Role.PARTNER_ADMIN, language=language)
    sign_in(page, user)
    page.goto("/notifications/preferences/")
    page.select_option("select[name='deal.approved']", "digest")
    screenshot(page, f"notification-preferences-{language}-{page.width_name}")
    page.click("#save-preferences")
    page.wait_for_load_state()
    assert page.locator("select[name='deal.approved']").input_value() == "digest"
    assert NotificationPreference.objects.get(user=user, kind="deal.approved").delivery == "digest"
    width = int(page.width_name)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
