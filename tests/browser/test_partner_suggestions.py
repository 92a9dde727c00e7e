"""A partner field typed by name gets suggestions in a real browser (the rebate target form), in
English and Chinese, on a desktop and on a phone."""

import pytest

from accounts.choices import Role
from tests.rebates.factories import programme

from ..factories import PartnerFactory, UserFactory
from .harness import PHONE, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("language", "label"), [("en", "Partner"), ("zh-hans", "合作伙伴")])
@pytest.mark.parametrize("width", [1366, PHONE["width"]])
def test_typing_a_partner_name_suggests_it_by_its_tax_id(
    browser, live_server, width, language, label
):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": width, "height": 900 if width > PHONE["width"] else PHONE["height"]},
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        # given finance and a partner among others
        star = PartnerFactory(legal_name="上海星辰科技有限公司", tax_id="91310000STAR00001X")
        PartnerFactory(legal_name="Contoso Trading Ltd")
        programme()
        user = UserFactory(role=Role.FINANCE, language=language)
        sign_in(page, user)
        page.goto("/rebates/targets/")
        assert label in page.text_content("label[for=id_partner]")

        # when part of the name is typed into the partner field
        page.fill("#id_partner", "星辰科技")
        page.wait_for_selector("#id_partner-suggestions option", state="attached")

        # then the datalist offers that partner by its tax ID, and no other
        options = page.eval_on_selector_all(
            "#id_partner-suggestions option", "els => els.map(e => [e.value, e.textContent])"
        )
        assert options == [[star.tax_id, star.legal_name]]
        field = page.locator("#id_partner").bounding_box()
        assert field["x"] >= 0 and field["x"] + field["width"] <= width
        screenshot(page, f"target-partner-suggestions-{width}-{language}")
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()


@pytest.mark.parametrize(("language", "label"), [("en", "Partner"), ("zh-hans", "合作伙伴")])
@pytest.mark.parametrize("width", [1366, PHONE["width"]])
def test_a_visit_planned_for_a_flagged_partner_is_filled_in_and_suggests_managed_partners(
    browser, live_server, width, language, label
):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": width, "height": 900 if width > PHONE["width"] else PHONE["height"]},
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        # given a channel manager, a partner they manage and one they do not, of similar names
        manager = UserFactory(role=Role.CHANNEL_MANAGER, language=language)
        star = PartnerFactory(
            legal_name="上海星辰科技有限公司", tax_id="91310000STAR00001X", channel_manager=manager
        )
        PartnerFactory(legal_name="上海星辰科技贸易有限公司")
        sign_in(page, manager)

        # when the visit plan is opened for the managed partner, as the visits page links it
        page.goto(f"/partners/visits/new/?partner={star.pk}&kind=review")

        # then the field holds its tax ID, with its name beside it
        assert label in page.text_content("label[for=id_partner]")
        assert page.input_value("#id_partner") == star.tax_id
        assert page.text_content("#field-partner .partner-key-name") == star.legal_name
        screenshot(page, f"visit-partner-filled-{width}-{language}")

        # and typing part of the name offers the managed partner only
        with page.expect_response(lambda r: "/partners/suggestions/" in r.url) as answer:
            page.fill("#id_partner", "星辰科技")
        assert "scope=manage" in answer.value.url
        assert answer.value.text().count("<option") == 1
        page.wait_for_selector("#id_partner-suggestions option", state="attached")
        options = page.eval_on_selector_all(
            "#id_partner-suggestions option", "els => els.map(e => [e.value, e.textContent])"
        )
        assert options == [[star.tax_id, star.legal_name]]
        field = page.locator("#id_partner").bounding_box()
        assert field["x"] >= 0 and field["x"] + field["width"] <= width
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()
