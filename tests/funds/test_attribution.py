"""Deals reference an MDF activity; ROI per activity and per partner counts their won revenue."""

from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.choices import Role
from core.models import FxRate
from deals.choices import DealStatus
from deals.models import Deal, DealLine
from funds import services
from funds.dashboard import mdf_utilisation_card
from funds.models import ActivityDeal
from funds.selectors import activity_results, partner_roi
from tests.conftest import login
from tests.deals.factories import DealFactory, ProductFactory
from tests.factories import PartnerUserFactory, staff

from .factories import allocation, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(partner, partner_user):
    allocation(partner, "10000.00")
    request = submit(partner, partner_user, "2000.00")
    return services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))


def deal_from(fund_request, **fields) -> Deal:
    """A deal that came from the activity (the link funds keeps)."""
    deal = DealFactory(**fields)
    if fund_request is not None:
        ActivityDeal.objects.create(deal=deal, fund_request=fund_request)
    return deal


def won_deal(partner, fund_request, amount: str, *, currency="CNY") -> Deal:
    deal = deal_from(fund_request, partner=partner, currency=currency)
    DealLine.objects.create(
        deal=deal,
        product=ProductFactory(),
        quantity=2,
        unit_price=Decimal(amount) / 2,
        final=True,
    )
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON)
    return deal


def deal_form(product, **extra):
    return {
        "customer_name": "Acme Inc.",
        "customer_tax_id": "",
        "customer_region": "CN-SH",
        "industry": "retail",
        "project_name": "Salon follow-up",
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "competitors": "",
        "notes": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-quantity": "2",
        "lines-0-unit_price": "950.00",
    } | extra


def test_roi_per_activity_counts_won_deals_referencing_it(approved, partner):
    # given two won deals and an open one referencing the activity, and a won deal that does not
    won_deal(partner, approved, "30000.00")
    won_deal(partner, approved, "10000.00")
    deal_from(approved, partner=partner)
    won_deal(partner, None, "999999.00")
    # and other revenue recorded for it
    services.activity_result_record(
        fund_request=approved,
        actor=staff(Role.CHANNEL_DIRECTOR),
        leads_count=12,
        deal_revenue=Decimal("10000"),
    )
    approved.refresh_from_db()
    # then revenue = 40,000 won + 10,000 other over 2,000 approved
    results = activity_results(fund_request=approved)
    assert results["deals"] == 3
    assert results["won"] == 2
    assert results["deal_revenue"] == Decimal("40000.00")
    assert results["revenue"] == Decimal("50000.00")
    assert results["roi"] == Decimal("25.00")
    assert results["leads"] == 12


def test_roi_converts_deals_in_another_currency(approved, partner):
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2020-01-01", rate=Decimal("7")
    )
    won_deal(partner, approved, "1000.00", currency="USD")
    assert activity_results(fund_request=approved)["deal_revenue"] == Decimal("7000.00")


def test_partner_roi_includes_referencing_deals(approved, partner, partner_user):
    won_deal(partner, approved, "8000.00")
    allocation(partner, "0.00")
    from funds.models import MdfLedgerEntry

    MdfLedgerEntry.objects.create(
        partner=partner,
        kind="reimbursement",
        amount=Decimal("-1000"),
        currency="CNY",
        quarter="2026Q4",
    )
    roi = partner_roi(partner=partner)
    assert roi["revenue"] == Decimal("8000.00")
    assert roi["spent"] == Decimal("3000.00")  # 1,000 reimbursed + 2,000 reserved
    assert roi["roi"] == Decimal("2.67")


def test_released_activity_has_no_funds_used_and_no_roi(approved, partner):
    import datetime

    import time_machine

    won_deal(partner, approved, "5000.00")
    later = approved.end_date + datetime.timedelta(days=61)
    with time_machine.travel(later, tick=False):
        services.fund_request_release(fund_request=approved)
    approved.refresh_from_db()
    results = activity_results(fund_request=approved)
    assert results["spent"] is None and results["roi"] is None
    assert results["revenue"] == Decimal("5000.00")


def test_deal_form_references_own_approved_activity(client, approved, partner_user):
    # when the partner registers a deal referencing its approved activity
    login(client, partner_user)
    page = client.get(reverse("deals:create"))
    assert approved.title in page.text
    response = client.post(
        reverse("deals:create"), deal_form(ProductFactory(), fund_request=approved.pk)
    )
    # then the deal carries the reference, shown on the deal and on the activity
    deal = Deal.objects.get(project_name="Salon follow-up")
    assert response.status_code == 302
    assert ActivityDeal.objects.get(deal=deal).fund_request == approved
    assert approved.title in client.get(reverse("deals:detail", args=[deal.pk])).text
    assert "Salon follow-up" in client.get(reverse("funds:request_detail", args=[approved.pk])).text


def test_deal_form_refuses_another_companys_or_pending_activity(
    client, approved, partner, partner_user, other_partner
):
    other_admin = PartnerUserFactory(partner=other_partner, role=Role.PARTNER_ADMIN)
    allocation(other_partner, "5000.00")
    theirs = submit(other_partner, other_admin, "1000.00", title="Their salon")
    services.fund_request_approve(fund_request=theirs, actor=staff(Role.CHANNEL_DIRECTOR))
    pending = submit(partner, partner_user, "100.00", title="Still pending")
    login(client, partner_user)
    page = client.get(reverse("deals:create")).text
    assert "Their salon" not in page and "Still pending" not in page
    for bad in (theirs.pk, pending.pk, 999999):
        response = client.post(
            reverse("deals:create"), deal_form(ProductFactory(), fund_request=bad)
        )
        assert response.status_code == 200
        assert "fund_request" in response.context["form"].errors
    assert not Deal.objects.exists()


def test_deal_api_references_activity_and_refuses_foreign_one(
    api_client, approved, partner_user, other_partner
):
    other_admin = PartnerUserFactory(partner=other_partner, role=Role.PARTNER_ADMIN)
    allocation(other_partner, "5000.00")
    theirs = submit(other_partner, other_admin, "1000.00")
    services.fund_request_approve(fund_request=theirs, actor=staff(Role.CHANNEL_DIRECTOR))
    api_client.force_authenticate(partner_user)
    body = {
        "customer_name": "Acme Inc.",
        "customer_region": "CN-SH",
        "project_name": "API project",
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "lines": [{"product": ProductFactory().sku, "quantity": 2, "unit_price": "900.00"}],
    }
    response = api_client.post("/api/v1/deals/", body | {"fund_request": theirs.pk}, format="json")
    assert response.status_code == 400
    assert "fund_request" in response.data
    unknown = api_client.post("/api/v1/deals/", body | {"fund_request": 999999}, format="json")
    assert unknown.data["fund_request"][0].code == response.data["fund_request"][0].code
    assert not Deal.objects.exists()
    response = api_client.post(
        "/api/v1/deals/", body | {"fund_request": approved.pk}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["fund_request"] == approved.pk


def test_roi_report_per_partner_fixed_queries(
    client, approved, partner, other_partner, django_assert_max_num_queries
):
    # given revenue on the partner's activity and MDF for another partner
    won_deal(partner, approved, "6000.00")
    allocation(other_partner, "3000.00")
    director = staff(Role.CHANNEL_DIRECTOR)
    login(client, director)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("funds:roi_report"))
    assert response.status_code == 200
    rows = {p.pk: p for p in response.context["page"].object_list}
    assert rows[partner.pk].revenue == Decimal("6000.00")
    assert rows[partner.pk].allocated == Decimal("10000.00")
    assert rows[partner.pk].balance == Decimal("8000.00")
    assert rows[partner.pk].activities == 1
    assert rows[other_partner.pk].roi is None


def test_roi_report_refused_to_partner_users(client, partner_user):
    login(client, partner_user)
    assert client.get(reverse("funds:roi_report")).status_code in (403, 404)


def test_utilisation_widget_adds_currencies_in_cny(approved, partner, other_partner, admin_user):
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2020-01-01", rate=Decimal("7")
    )
    other_partner.contract_currency = "USD"
    other_partner.save()
    allocation(other_partner, "1000.00")
    request = RequestFactory().get("/")
    request.user = admin_user
    stats = mdf_utilisation_card(request)["stats"]
    assert stats["allocated"] == Decimal("17000.00")
    assert stats["used"] == Decimal("2000.00")
    assert stats["percent"] == 11


def test_draft_edits_keep_change_or_drop_the_activity(api_client, approved, partner, partner_user):
    # given a draft registered from the activity through the API
    api_client.force_authenticate(partner_user)
    body = {
        "customer_name": "Acme Inc.",
        "customer_region": "CN-SH",
        "project_name": "API project",
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "lines": [{"product": ProductFactory().sku, "quantity": 2, "unit_price": "900.00"}],
        "fund_request": approved.pk,
    }
    deal_id = api_client.post("/api/v1/deals/", body, format="json").data["id"]
    url = f"/api/v1/deals/{deal_id}/"
    # when a PATCH leaves the activity out, the link stays
    response = api_client.patch(url, {"notes": "met the buyer"}, format="json")
    assert response.status_code == 200 and response.data["fund_request"] == approved.pk
    assert ActivityDeal.objects.get(deal_id=deal_id).fund_request == approved
    # when it sets null, the link goes
    response = api_client.patch(url, {"fund_request": None}, format="json")
    assert response.status_code == 200 and response.data["fund_request"] is None
    assert not ActivityDeal.objects.filter(deal_id=deal_id).exists()


def test_deal_api_list_reads_activities_in_one_query(
    api_client, approved, partner, partner_user, django_assert_max_num_queries
):
    # given a page of deals, a few of them from the activity
    for index in range(6):
        if index % 2:
            deal_from(approved, partner=partner, registered_by=partner_user)
        else:
            DealFactory(partner=partner, registered_by=partner_user)
    api_client.force_authenticate(partner_user)
    with django_assert_max_num_queries(12) as captured:
        response = api_client.get("/api/v1/deals/")
    activity_reads = [q for q in captured.captured_queries if "funds_activitydeal" in q["sql"]]
    # then each deal shows its activity and one query read them all
    assert response.status_code == 200
    shown = {row["id"]: row["fund_request"] for row in response.data["results"]}
    assert sorted(v for v in shown.values() if v) == [approved.pk] * 3
    assert len(activity_reads) == 1


def test_roi_count_matches_the_listed_partners(approved, partner, other_partner):
    from funds.selectors import partner_roi_count_for, partner_roi_list_for
    from tests.factories import PartnerFactory

    allocation(other_partner, "3000.00")
    PartnerFactory()  # no MDF: not listed, not counted
    manager = staff(Role.CHANNEL_MANAGER)
    partner.channel_manager = manager
    partner.save(update_fields=["channel_manager"])
    for user in (staff(Role.CHANNEL_DIRECTOR), staff(Role.FINANCE), manager):
        listed = partner_roi_list_for(user=user)
        assert partner_roi_count_for(user=user) == len(list(listed))
    assert partner_roi_count_for(user=staff(Role.CHANNEL_DIRECTOR)) == 2
