"""Deal registration in a real browser: register → conflict → manager decision, and a lead
accepted through HTMX (DESIGN §4.2, §4.6)."""

import re

import pytest

from accounts.choices import Role
from deals import services
from deals.choices import DealStatus, LeadStatus
from deals.models import Deal, Lead
from tests.deals.factories import DealFactory, ProductFactory

from ..factories import PartnerFactory, PartnerUserFactory, UserFactory, tier
from .harness import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_conflict_then_manager_approves_both(page, browser, live_server):
    # given an earlier registration of the customer by another partner
    product = ProductFactory(name="Campus switch 48p")
    rival = PartnerFactory(legal_name="华南渠道科技有限公司", regions=["CN-SH"])
    first = DealFactory(
        partner=rival,
        customer_name="上海远航物流有限公司",
        project_name="Warehouse network",
        lines=[(product, 4, 900)],
    )
    services.deal_submit(deal=first, actor=first.registered_by)
    seller = PartnerUserFactory(role=Role.PARTNER_SALES, partner__regions=["CN-SH"])

    # when the partner registers the same customer, spelled differently, and submits it
    sign_in(page, seller)
    page.goto("/deals/new/")
    page.fill("input[name=customer_name]", "上海远航物流股份有限公司")
    page.select_option("select[name=customer_region]", "CN-SH")
    page.fill("input[name=industry]", "logistics")
    page.fill("input[name=project_name]", "DC core refresh")
    page.fill("input[name=expected_close_date]", "2027-03-31")
    page.select_option("select[name=lines-0-product]", str(product.pk))
    page.fill("input[name=lines-0-quantity]", "10")
    page.fill("input[name=lines-0-unit_price]", "950")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/deals/\d+/$"))
    page.click("form[action$='/submit/'] button")
    page.wait_for_load_state()

    # then it is in conflict and the page says so without naming the other partner
    later = Deal.objects.get(project_name="DC core refresh")
    assert later.status == DealStatus.IN_CONFLICT
    content = page.content()
    assert "conflicts with an earlier registration" in content
    assert rival.legal_name not in content and "Warehouse network" not in content
    screenshot(page, "deal-in-conflict-partner")

    # when the channel director opens the queue and the registration
    director = UserFactory(role=Role.CHANNEL_DIRECTOR, full_name="Li Na")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    staff_page = context.new_page()
    sign_in(staff_page, director)
    staff_page.goto("/deals/queue/")
    assert rival.legal_name in staff_page.content()
    staff_page.click(f"a[href='/deals/{later.pk}/']")
    staff_page.wait_for_load_state()
    # then both registrations are side by side
    assert staff_page.locator("#conflict-other").is_visible()
    assert "Warehouse network" in staff_page.content()
    screenshot(staff_page, "deal-conflict-side-by-side")

    # when approving both without a reason, the reason is demanded and nothing changes
    staff_page.click("form[action$='/approve/decide/'] button")
    staff_page.wait_for_load_state()
    assert "A reason is required" in staff_page.content()
    later.refresh_from_db()
    assert later.status == DealStatus.IN_CONFLICT
    # and with a reason both are protected
    staff_page.fill(
        "form[action$='/approve/decide/'] textarea[name=reason]", "Different sites of the group"
    )
    staff_page.click("form[action$='/approve/decide/'] button")
    staff_page.wait_for_load_state()
    later.refresh_from_db()
    assert later.status == DealStatus.APPROVED
    assert later.decision_reason == "Different sites of the group"
    # and the director's dashboard shows the funnel
    staff_page.goto("/")
    assert staff_page.locator("svg.funnel").is_visible()
    screenshot(staff_page, "dashboard-manager-deals")
    context.close()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_partner_accepts_an_offered_lead_with_htmx(page):
    # given a lead offered exclusively to a Gold partner of the region
    gold = PartnerFactory(tier=tier("gold"), regions=["CN-ZJ"], legal_name="杭州金桥网络有限公司")
    seller = PartnerUserFactory(role=Role.PARTNER_SALES, partner=gold)
    lead = services.lead_publish(
        actor=UserFactory(role=Role.CHANNEL_MANAGER),
        data={
            "customer_name": "杭州海纳数据有限公司",
            "customer_region": "CN-ZJ",
            "project_name": "数据中心扩容",
            "estimated_value": "2400000",
            "currency": "CNY",
        },
    )
    assert lead.status == LeadStatus.EXCLUSIVE
    sign_in(page, seller)
    page.goto("/")
    screenshot(page, "dashboard-partner-deals")
    page.goto("/deals/leads/")
    assert "Exclusive" in page.content()
    screenshot(page, "leads-offered-partner")
    # when the seller accepts it, then the browser lands on the new draft registration
    page.click(f"#lead-offer-{lead.pk} form[action$='/accept/'] button")
    page.wait_for_url(re.compile(r"/deals/\d+/$"))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
    assert page.url.endswith(f"/deals/{lead.deal_id}/")
    assert "数据中心扩容" in page.content()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_manager_publishes_a_lead_and_sees_whom_it_was_offered_to(page):
    gold = PartnerFactory(tier=tier("gold"), regions=["CN-JS"], specializations=["manufacturing"])
    PartnerFactory(tier=tier("silver"), regions=["CN-JS"], legal_name="Silver Jiangsu Ltd.")
    manager = UserFactory(role=Role.CHANNEL_MANAGER)
    sign_in(page, manager)
    page.goto("/deals/leads/new/")
    page.fill("input[name=project_name]", "Factory network")
    page.fill("input[name=customer_name]", "苏州锦程精密机械股份有限公司")
    page.select_option("select[name=customer_region]", "CN-JS")
    page.fill("input[name=industry]", "manufacturing")
    page.fill("input[name=estimated_value]", "1250000")
    page.select_option("select[name=currency]", "CNY")
    page.click("#publish-lead")
    page.wait_for_url(re.compile(r"/deals/leads/\d+/$"))
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.EXCLUSIVE
    content = page.content()
    assert gold.legal_name in content
    assert "Silver Jiangsu Ltd." not in content  # not offered during the exclusive window
    screenshot(page, "lead-detail-manager")
