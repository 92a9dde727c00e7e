"""Settlement in a real browser: finance approves and publishes, the partner disputes, finance
resolves a reconciliation anomaly in the queue without leaving the page."""

import pytest

from accounts.choices import Role
from settlement import services
from settlement.choices import AnomalyState, StatementState
from settlement.models import ReconciliationAnomaly, Statement
from tests.browser.harness import screenshot, sign_in
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory

from .factories import built_statement, published_statement
from .recon_factories import payment, run_matching

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(page):
    page.click("#logout")
    page.wait_for_load_state()


def test_finance_approves_and_the_partner_disputes(page):
    # given a statement submitted by one finance user, of a partner with a Chinese name
    partner = PartnerFactory(legal_name="上海华东数字科技有限公司")
    statement = built_statement(partner, "86500.00")
    services.statement_submit(statement=statement, actor=UserFactory(role=Role.FINANCE))
    approver = UserFactory(role=Role.FINANCE, full_name="Fiona Finance")
    partner_finance = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)

    # when a second finance user approves and publishes it
    sign_in(page, approver)
    page.goto(f"/settlement/statements/{statement.pk}/")
    page.click("text=Approve")
    page.wait_for_load_state()
    assert "Approved" in page.locator(".page-head").inner_text()
    page.click("text=Publish to the partner")
    page.wait_for_load_state()
    assert "Published" in page.locator(".page-head").inner_text()
    screenshot(page, "settlement-finance-published")
    _sign_out(page)

    # and the partner's finance user disputes its line
    sign_in(page, partner_finance)
    page.goto(f"/settlement/statements/{statement.pk}/")
    assert "上海华东数字科技有限公司" in page.content()
    page.click("a:has-text('Dispute')")
    page.wait_for_load_state()
    page.check("input[name=lines]")
    page.fill("textarea[name=reason]", "返利应按 10% 档位计算")
    screenshot(page, "settlement-partner-dispute-form")
    page.click("text=Send dispute")
    page.wait_for_load_state()

    # then
    assert "Disputed" in page.locator(".page-head").inner_text()
    screenshot(page, "settlement-partner-disputed")
    statement.refresh_from_db()
    assert statement.state == StatementState.DISPUTED
    assert statement.approvals.get().approver == approver
    assert Statement.objects.get(pk=statement.pk).disputes.get().reason == "返利应按 10% 档位计算"
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_finance_resolves_an_anomaly_in_the_queue(page):
    # given a payment nobody can match
    partner = PartnerFactory(legal_name="深圳智联网络股份有限公司")
    payment(partner, "3333.00", reference="INV-77821")
    run_matching()
    finance = UserFactory(role=Role.FINANCE)
    anomaly = ReconciliationAnomaly.objects.get()

    # when finance records a resolution on the queue page
    sign_in(page, finance)
    page.goto("/settlement/reconciliation/anomalies/?state=open")
    row = page.locator(f"#anomaly-{anomaly.pk}")
    row.locator("select[name=action]").select_option("refund")
    row.locator("textarea[name=note]").fill("Refunded to the partner on 12 July")
    row.locator("button:has-text('Resolve')").click()

    # then the row turns into the recorded resolution, in place
    page.locator(f"#anomaly-{anomaly.pk} >> text=Refunded to the partner on 12 July").wait_for()
    assert page.url.endswith("?state=open")
    screenshot(page, "settlement-anomaly-resolved")
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.RESOLVED
    page.goto(f"/settlement/reconciliation/runs/{anomaly.run_id}/")
    assert page.locator("#matches-reference").inner_text() == "0"
    screenshot(page, "settlement-reconciliation-run")
    page.goto("/")
    assert page.locator("#kpi-anomalies-open").inner_text() == "0"
    screenshot(page, "dashboard-finance-settlement")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_finance_reissues_a_disputed_statement_and_the_partner_sees_the_revision(page):
    # given a published statement the partner disputed
    partner = PartnerFactory(legal_name="深圳智联网络股份有限公司")
    statement = published_statement(partner, "86500.00")
    partner_finance = PartnerUserFactory(
        partner=partner, role=Role.PARTNER_FINANCE, language="zh-hans"
    )
    services.statement_dispute(
        statement=statement,
        actor=partner_finance,
        line_ids=[statement.lines.get().pk],
        reason="漏计了两笔项目订单的返利",
    )
    finance = UserFactory(role=Role.FINANCE, full_name="Fiona Finance")

    # when finance answers by re-issuing the statement with the agreed adjustment
    sign_in(page, finance)
    page.goto(f"/settlement/statements/{statement.pk}/")
    page.fill("textarea[name=answer]", "Agreed: 3,200.00 more, re-issued as revision 2")
    page.fill("input[name=adjustment_amount]", "3200.00")
    page.check("input[name=reissue]")
    screenshot(page, "settlement-dispute-reissue-form")
    page.click("text=Answer and resolve")
    page.wait_for_load_state()

    # then the draft revision opens, linked to the statement it supersedes
    revision = Statement.objects.get(revision_of=statement)
    assert page.url.endswith(f"/settlement/statements/{revision.pk}/")
    assert statement.number in page.locator(".page-head").inner_text()
    screenshot(page, "settlement-revision-draft")
    services.statement_submit(statement=revision, actor=finance)
    services.statement_approve(statement=revision, actor=UserFactory(role=Role.FINANCE))
    services.statement_publish(statement=revision, actor=finance)
    _sign_out(page)

    # and the partner sees the superseded statement marked, and the revision to answer
    sign_in(page, partner_finance)
    page.goto(f"/settlement/statements/{statement.pk}/")
    page.locator("#superseded").wait_for()
    screenshot(page, "settlement-partner-superseded")
    page.click(f"#superseded >> text={revision.number}")
    page.wait_for_load_state()
    assert "第 2 版" in page.locator(".page-head").inner_text()
    screenshot(page, "settlement-partner-revision")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
