"""Taking and passing an exam in a real browser."""

import pytest

from accounts.choices import Role
from tests.browser.harness import screenshot, sign_in
from tests.factories import PartnerUserFactory
from training.models import Certification

from .factories import ModuleFactory, exam_with_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_user_completes_a_module_and_passes_the_exam(page):
    # given
    user = PartnerUserFactory(role=Role.PARTNER_SALES, full_name="Zhang Wei")
    exam = exam_with_bank(singles=3, multiples=1, question_count=4)
    module = ModuleFactory(course=exam.course, title="VLAN basics")
    sign_in(page, user)
    # when the module is marked complete (htmx swaps the button for the progress)
    page.goto(f"/training/courses/{exam.course_id}/modules/{module.pk}/")
    page.click("#mark-complete")
    page.wait_for_selector("text=1 of 1 modules complete")
    # and the exam is taken with the right options
    page.goto(f"/training/courses/{exam.course_id}/")
    page.click("#start-exam")
    page.wait_for_selector("#exam-form")
    for label in page.locator("label", has_text="right").all():
        label.locator("input").check()
    screenshot(page, "training-exam")
    page.click("#submit-exam")
    page.wait_for_selector("#result")
    # then
    assert page.locator("#result").inner_text() == "Passed"
    screenshot(page, "training-exam-passed")
    assert Certification.objects.filter(user=user).count() == 1
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_partner_admin_sees_certification_coverage(page):
    from tests.factories import PartnerFactory, tier

    from .factories import CertificationFactory

    partner = PartnerFactory(tier=tier("silver"), legal_name="深圳智联网络股份有限公司")
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    for name in ("王小明", "李雷", "韩梅梅"):
        CertificationFactory(
            user=PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES, full_name=name)
        )
    sign_in(page, admin)
    page.goto("/training/coverage/")
    assert page.locator("#certified-total").inner_text() == "3"
    assert "2 more certified staff" in page.locator("#gap").inner_text()
    screenshot(page, "training-coverage")
