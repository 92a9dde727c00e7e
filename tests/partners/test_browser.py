"""In a real browser: an application from the public form through the staff pipeline to an
active partner; an agreement draft sent to legal review from its page (htmx)."""

import datetime

import pytest

from accounts.choices import Role
from accounts.models import User
from partners.choices import AgreementStatus, ApplicationStatus
from partners.models import Agreement, Partner, PartnerApplication
from tests.browser.harness import screenshot, sign_in
from tests.factories import PartnerFactory, UserFactory

from .factories import PDF, AgreementFactory, agreement_in, credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_application(page, tax_id: str) -> None:
    page.goto("/partners/apply/")
    page.fill("input[name=legal_name]", "杭州星河网络科技有限公司")
    page.fill("input[name=tax_id]", tax_id)
    page.fill("input[name=country]", "CN")
    page.select_option("select[name=regions]", ["CN-ZJ", "CN-SH"])
    page.select_option("select[name=partner_type]", "reseller")
    page.fill("textarea[name=business_scope]", "网络设备销售与系统集成")
    page.fill("input[name=contact_name]", "陈晨")
    page.fill("input[name=contact_email]", "chen@xinghe.example")
    page.fill("input[name=contact_phone]", "+86 571 5555 0101")
    page.select_option("select[name=revenue_band]", "5m-20m")
    page.fill("input[name=technical_staff]", "12")
    page.set_input_files(
        "input[name=business_licence]",
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )


def _next_step(page) -> None:
    page.click("button:has-text('Move to the next step')")
    page.wait_for_selector(".messages")


def test_application_from_the_public_form_to_an_active_partner(page):
    # given a channel manager and a prospect with a valid unified social credit code
    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    tax_id = credit_code(4242)
    # when the prospect applies without an account (a wrong code first: a field message)
    _fill_application(page, tax_id[:17] + ("0" if tax_id[17] != "0" else "1"))
    page.click("button:has-text('Submit application')")
    page.wait_for_selector("#error-tax_id")
    screenshot(page, "partners-apply-bad-tax-id")
    _fill_application(page, tax_id)
    screenshot(page, "partners-apply-form")
    page.click("button:has-text('Submit application')")
    page.wait_for_url("**/apply/thanks/")
    screenshot(page, "partners-apply-done")
    application = PartnerApplication.objects.get(tax_id=tax_id)
    assert application.status == ApplicationStatus.SUBMITTED
    # and the manager moves it through the pipeline, scoring the site visit
    sign_in(page, manager)
    page.goto("/partners/applications/")
    page.click("text=杭州星河网络科技有限公司")
    _next_step(page)  # screening
    _next_step(page)  # assessment
    page.click("button:has-text('Move to the next step')")
    page.wait_for_selector("text=Record the site-visit scores before leaving assessment.")
    for name, value in [
        ("qualification", "85"),
        ("business", "78"),
        ("resources", "70"),
        ("willingness", "92"),
    ]:
        page.fill(f"input[name={name}]", value)
    page.fill("textarea[name=report]", "Visited the Hangzhou office and demo room.")
    page.click("button:has-text('Record scores')")
    page.wait_for_selector("text=The site-visit scores were recorded.")
    screenshot(page, "partners-application-assessed")
    _next_step(page)  # negotiation
    _next_step(page)  # signing
    _next_step(page)  # active
    screenshot(page, "partners-application-active")
    # then the partner exists and its first admin is invited
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACTIVE
    partner = Partner.objects.get(tax_id=tax_id)
    assert sorted(partner.regions) == ["CN-SH", "CN-ZJ"]
    assert User.objects.get(email="chen@xinghe.example").partner == partner
    page.click("text=Open the partner")
    page.wait_for_selector("h1:has-text('杭州星河网络科技有限公司')")
    screenshot(page, "partners-application-partner")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_agreement_draft_goes_to_legal_review_from_its_page(page, time_machine):
    # given a manager's partner with a draft and an agreement about to expire
    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    partner = PartnerFactory(channel_manager=manager, legal_name="深圳智联网络股份有限公司")
    today = datetime.date.today()
    agreement_in(
        "active",
        partner=partner,
        number="AGR-00001-01",
        start_date=today - datetime.timedelta(days=300),
        end_date=today + datetime.timedelta(days=25),
    )
    draft = AgreementFactory(
        partner=partner,
        number="AGR-00001-02",
        title="经销协议 2027",
        start_date=today + datetime.timedelta(days=26),
        end_date=today + datetime.timedelta(days=391),
    )
    sign_in(page, manager)
    # when the dashboard shows the expiring one and the draft is submitted with htmx
    page.goto("/")
    page.wait_for_selector("text=Agreements expiring within 90 days")
    screenshot(page, "partners-dashboard-expiring")
    page.goto(f"/partners/agreements/{draft.pk}/")
    page.click("#agreement-submit")
    page.wait_for_selector("#agreement-panel >> text=The agreement was sent to legal review.")
    page.wait_for_selector("#agreement-versions >> text=Legal review")
    screenshot(page, "partners-agreement-legal-review")
    page.goto("/partners/agreements/")
    screenshot(page, "partners-agreement-list")
    # then
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.LEGAL_REVIEW
    assert Agreement.objects.filter(status=AgreementStatus.ACTIVE).count() == 1
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_partner_finance_applies_for_credit_and_the_manager_sees_unmet_partners(page):
    # given a partner finance user (Chinese) and the partner's channel manager
    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    partner = PartnerFactory(channel_manager=manager, legal_name="北京云启信息技术有限公司")
    finance = UserFactory(
        role=Role.PARTNER_FINANCE, partner=partner, full_name="刘芳", language="zh-hans"
    )
    sign_in(page, finance)
    # when a special limit is requested without its project, then with it
    page.goto("/partners/credit/apply/")
    page.select_option("select[name=kind]", "special")
    page.fill("input[name=amount]", "800000")
    page.fill("textarea[name=justification]", "地铁五号线网络项目")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#error-project_name")
    screenshot(page, "partners-credit-apply-error")
    page.fill("input[name=project_name]", "地铁五号线")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("text=地铁五号线")
    screenshot(page, "partners-credit-detail")
    # and the manager opens the visits page
    page.click("#logout")
    sign_in(page, manager)
    page.goto("/partners/visits/")
    screenshot(page, "partners-visits")
    # then
    assert partner.credit_applications.get().project_name == "地铁五号线"
    assert partner.legal_name in page.locator("#unmet").inner_text()


def test_signed_document_is_uploaded_from_the_agreement_page(page):
    # given an agreement both reviews approved
    from partners.models import AgreementReview

    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Wang Lei")
    legal = UserFactory(role=Role.LEGAL, full_name="Liam Legal")
    partner = PartnerFactory(channel_manager=manager, legal_name="华东数字科技有限公司")
    agreement = AgreementFactory(
        partner=partner, status=AgreementStatus.BUSINESS_REVIEW, title="经销协议"
    )
    AgreementReview.objects.create(
        agreement=agreement, stage="legal", decision="approved", reviewer=legal
    )
    AgreementReview.objects.create(
        agreement=agreement, stage="business", decision="approved", reviewer=manager
    )
    sign_in(page, manager)
    # when the signed PDF is uploaded through the htmx form
    page.goto(f"/partners/agreements/{agreement.pk}/")
    page.set_input_files(
        "input[name=document]",
        {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    page.fill("input[name=signed_on]", "2025-12-20")
    page.click("#agreement-sign")
    page.wait_for_selector("#agreement-panel >> text=The signed document was stored.")
    screenshot(page, "partners-agreement-signed")
    # then the terms card offers the download and the version is signed
    assert page.locator("#agreement-terms a", has_text="Download").count() == 1
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.signed_document.read().startswith(b"%PDF")
