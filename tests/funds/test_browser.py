"""Request → approval → claim → validation in a real browser, one signed-in user at a time."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.choices import Role
from funds.choices import ClaimStatus, RequestStatus
from funds.models import ActivityDeal, Claim, FundRequest
from settlement.models import SettlementEntry
from tests.browser.harness import screenshot, sign_in
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory, tier

from .factories import PDF, allocation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(browser, live_server, user):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1360, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    sign_in(page, user)
    return page


def test_request_approval_claim_and_validation(browser, live_server):
    # given a partner with 50,000 of MDF, its channel manager and finance
    from funds.defaults import ensure_default_matrix
    from funds.models import ApprovalRule

    ensure_default_matrix(ApprovalRule)
    manager = UserFactory(role=Role.CHANNEL_MANAGER, full_name="Li Na")
    partner = PartnerFactory(
        tier=tier("gold"), legal_name="杭州华东数码有限公司", channel_manager=manager
    )
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    finance = UserFactory(role=Role.FINANCE)
    allocation(partner, "50000.00")
    today = timezone.localdate()

    # when the partner admin requests 6,000 for a 12,000 salon held last week
    page = as_user(browser, live_server, admin)
    page.goto("/funds/requests/new/")
    page.fill("#id_title", "Technical salon Hangzhou")
    page.select_option("#id_activity_type", "technical_salon")
    page.fill("#id_start_date", str(today - datetime.timedelta(days=8)))
    page.fill("#id_end_date", str(today - datetime.timedelta(days=7)))
    page.fill("#id_total_budget", "12000")
    page.fill("#id_requested_amount", "6000.01")
    page.click("main button[type=submit]")
    # then more than half the budget is refused next to the field
    assert "at most 50" in page.locator("#error-requested_amount").inner_text()
    page.fill("#id_requested_amount", "6000")
    page.fill("#id_expected_leads", "30")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Awaiting approval")
    screenshot(page, "funds-request-submitted")
    request = FundRequest.objects.get()
    assert request.approver_roles[0] == Role.CHANNEL_MANAGER

    # when the channel manager approves it from the queue
    staff_page = as_user(browser, live_server, manager)
    staff_page.goto("/funds/requests/queue/")
    staff_page.click("text=Technical salon Hangzhou")
    staff_page.fill("#id_note", "Good fit for the region")
    staff_page.click("button:has-text('Approve')")
    staff_page.wait_for_selector("text=Decision recorded.")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED

    # and the partner files the claim with proof of performance
    page.goto(f"/funds/requests/{request.pk}/")
    page.click("text=File claim")
    page.fill("#id_actual_spend", "10000")
    page.fill("#id_leads_generated", "41")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Your claim was submitted to finance.")
    screenshot(page, "funds-claim-submitted")
    claim = Claim.objects.get()
    assert claim.attachments.count() == 1

    # and finance validates it
    finance_page = as_user(browser, live_server, finance)
    finance_page.goto(f"/funds/claims/{claim.pk}/")
    assert "CNY 5,000.00" in finance_page.locator("main").inner_text()
    finance_page.click("button:has-text('Validate')")
    finance_page.wait_for_selector("text=Decision recorded.")
    screenshot(finance_page, "funds-claim-validated")

    # then the reimbursement, min(6,000, 50% × 10,000), is queued for the next statement
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.VALIDATED
    assert claim.reimbursement_amount == Decimal("5000.00")
    entry = SettlementEntry.objects.get(source_type="funds.claim", source_id=str(claim.pk))
    assert entry.amount == Decimal("5000.00")
    for p in (page, staff_page, finance_page):
        assert not [e for e in p.console_errors if "Content Security Policy" in e]
        p.context.close()


def test_director_sees_roi_per_activity_and_per_partner(browser, live_server):
    # given an approved activity with a won deal referencing it
    from deals.choices import DealStatus
    from deals.models import Deal, DealLine
    from funds import services
    from funds.defaults import ensure_default_matrix
    from funds.models import ApprovalRule
    from tests.deals.factories import DealFactory, ProductFactory

    from .factories import submit

    ensure_default_matrix(ApprovalRule)
    director = UserFactory(role=Role.CHANNEL_DIRECTOR)
    partner = PartnerFactory(tier=tier("gold"), legal_name="深圳智联网络股份有限公司")
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    allocation(partner, "30000.00")
    request = submit(partner, admin, "5000.00", title="行业峰会 深圳")
    services.fund_request_approve(fund_request=request, actor=director)
    deal = DealFactory(partner=partner, project_name="Core network refresh")
    ActivityDeal.objects.create(deal=deal, fund_request=request)
    DealLine.objects.create(
        deal=deal, product=ProductFactory(), quantity=10, unit_price=Decimal("9000"), final=True
    )
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON)
    # when the director opens the activity and the ROI report
    page = as_user(browser, live_server, director)
    page.goto(f"/funds/requests/{request.pk}/")
    # then the won deal counts: 90,000 over 5,000 approved
    assert page.locator("#activity-roi").inner_text() == "18.00×"
    assert "Core network refresh" in page.locator("main").inner_text()
    screenshot(page, "funds-activity-results")
    page.goto("/funds/roi/")
    assert "18.00×" in page.locator("main").inner_text()
    screenshot(page, "funds-roi-report")
    page.goto("/")
    screenshot(page, "funds-director-dashboard")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    page.context.close()
