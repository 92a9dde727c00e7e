"""Leads distributed by the vendor (DESIGN §4.6): exclusive window by tier, region and industry,
opening job, first to accept wins, pages, API, scoping and bad input."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent, Notification
from deals import services
from deals.choices import DealStatus, LeadOfferStatus, LeadStatus
from deals.models import Deal, Lead, LeadOffer
from deals.tasks import lead_open_due_task
from partners.choices import PartnerStatus
from tests.conftest import login
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
LEAD = {
    "customer_name": "上海远航物流有限公司",
    "customer_tax_id": "91310000MA1FL0000X",
    "customer_region": "CN-SH",
    "industry": "",
    "project_name": "Warehouse Wi-Fi",
    "estimated_value": Decimal("380000.00"),
    "currency": "CNY",
    "description": "Three warehouses, 400 access points.",
}


def seller(partner, role=Role.PARTNER_SALES):
    return PartnerUserFactory(partner=partner, role=role)


def publish(**overrides):
    return services.lead_publish(actor=staff(), data=LEAD | overrides)


def offered_partner_ids(lead):
    return set(
        LeadOffer.objects.filter(lead=lead, status=LeadOfferStatus.OFFERED).values_list(
            "partner_id", flat=True
        )
    )


@pytest.fixture
def territory():
    """Partners of every tier in Shanghai, and a Gold partner elsewhere."""
    return {
        "diamond": PartnerFactory(tier=tier("diamond"), regions=["CN-SH", "CN-JS"]),
        "gold": PartnerFactory(tier=tier("gold"), regions=["CN-SH"]),
        "silver": PartnerFactory(tier=tier("silver"), regions=["CN-SH"]),
        "registered": PartnerFactory(tier=tier("registered"), regions=["CN-SH"]),
        "gold_beijing": PartnerFactory(tier=tier("gold"), regions=["CN-BJ"]),
        "gold_frozen": PartnerFactory(
            tier=tier("gold"), regions=["CN-SH"], status=PartnerStatus.FROZEN
        ),
    }


# --- the exclusive window, by tier and region, with a frozen clock -----------------------------
def test_exclusive_offer_goes_only_to_core_partners_covering_the_region(territory):
    # given partners of every tier; when a Shanghai lead is published
    with time_machine.travel(T0, tick=False):
        lead = publish()
    # then only the active Gold and Diamond partners covering Shanghai get it, for 48 hours
    assert lead.status == LeadStatus.EXCLUSIVE
    assert lead.exclusive_until == T0 + datetime.timedelta(hours=48)
    assert offered_partner_ids(lead) == {territory["diamond"].pk, territory["gold"].pk}
    assert all(o.exclusive for o in lead.offers.all())


def test_silver_partner_cannot_accept_during_the_exclusive_window(territory):
    with time_machine.travel(T0, tick=False):
        lead = publish()
    silver_user = seller(territory["silver"])
    with time_machine.travel(T0 + datetime.timedelta(hours=47, minutes=59), tick=False):
        assert services.lead_open_due() == 0
        with pytest.raises(PermissionDenied):
            services.lead_accept(lead_id=lead.pk, actor=silver_user)
    assert Deal.objects.count() == 0


def test_lead_opens_to_all_partners_of_the_region_after_48_hours(territory):
    silver_user = seller(territory["silver"])
    with time_machine.travel(T0, tick=False):
        lead = publish()
    # when the job runs exactly at the end of the window
    with time_machine.travel(T0 + datetime.timedelta(hours=48), tick=False):
        opened = lead_open_due_task.apply().get()
    lead.refresh_from_db()
    # then every active partner covering Shanghai is offered it, whatever its tier
    assert opened == 1
    assert lead.status == LeadStatus.OPEN
    assert lead.opened_at == T0 + datetime.timedelta(hours=48)
    assert offered_partner_ids(lead) == {
        territory[k].pk for k in ("diamond", "gold", "silver", "registered")
    }
    # and the Silver partner is told and may accept now
    assert Notification.objects.filter(recipient=silver_user, kind="lead.offered").exists()
    deal = services.lead_accept(lead_id=lead.pk, actor=silver_user)
    assert deal.partner == territory["silver"]


def test_opening_job_is_idempotent(territory):
    with time_machine.travel(T0, tick=False):
        lead = publish()
    with time_machine.travel(T0 + datetime.timedelta(hours=49), tick=False):
        assert services.lead_open_due() == 1
        assert services.lead_open_due() == 0
    assert LeadOffer.objects.filter(lead=lead).count() == 4
    assert (
        Notification.objects.filter(kind="lead.offered").count()
        == Notification.objects.filter(kind="lead.offered").values("recipient").distinct().count()
    )


def test_industry_limits_the_exclusive_offer_to_specialized_core_partners(territory):
    territory["gold"].specializations = ["logistics", "retail"]
    territory["gold"].save()
    with time_machine.travel(T0, tick=False):
        lead = publish(industry="Logistics")
    assert lead.industry == "logistics"
    assert offered_partner_ids(lead) == {territory["gold"].pk}


def test_lead_with_no_core_partner_in_the_region_opens_at_once():
    silver = PartnerFactory(tier=tier("silver"), regions=["CN-GD"])
    PartnerFactory(tier=tier("gold"), regions=["CN-SH"])
    with time_machine.travel(T0, tick=False):
        lead = publish(customer_region="CN-GD")
    assert lead.status == LeadStatus.OPEN
    assert lead.exclusive_until is None
    assert offered_partner_ids(lead) == {silver.pk}


def test_when_every_exclusive_partner_declines_the_lead_opens_early(territory):
    with time_machine.travel(T0, tick=False):
        lead = publish()
    with time_machine.travel(T0 + datetime.timedelta(hours=2), tick=False):
        services.lead_decline(lead_id=lead.pk, actor=seller(territory["gold"]))
        lead.refresh_from_db()
        assert lead.status == LeadStatus.EXCLUSIVE
        services.lead_decline(lead_id=lead.pk, actor=seller(territory["diamond"]))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPEN
    assert territory["silver"].pk in offered_partner_ids(lead)
    assert territory["gold"].pk not in offered_partner_ids(lead)


def test_publishing_notifies_the_offered_partners_sellers_only(territory):
    gold_sales = seller(territory["gold"])
    gold_finance = seller(territory["gold"], role=Role.PARTNER_FINANCE)
    silver_sales = seller(territory["silver"])
    publish()
    assert Notification.objects.filter(recipient=gold_sales, kind="lead.offered").exists()
    assert not Notification.objects.filter(recipient=gold_finance).exists()
    assert not Notification.objects.filter(recipient=silver_sales).exists()


# --- accepting -------------------------------------------------------------------------------
def test_accepting_creates_a_draft_registration_and_closes_the_other_offers(territory):
    lead = publish()
    user = seller(territory["gold"])
    deal = services.lead_accept(lead_id=lead.pk, actor=user)
    lead.refresh_from_db()
    assert deal.status == DealStatus.DRAFT
    assert (deal.partner, deal.registered_by) == (territory["gold"], user)
    assert (deal.customer_name, deal.customer_tax_id) == (
        LEAD["customer_name"],
        "91310000MA1FL0000X",
    )
    assert lead.status == LeadStatus.ACCEPTED and lead.deal == deal
    assert lead.offers.get(partner=territory["diamond"]).status == LeadOfferStatus.TAKEN
    assert Notification.objects.filter(recipient=lead.published_by, kind="lead.accepted").exists()


def test_second_accept_is_refused_with_a_message_that_names_nobody(territory):
    lead = publish()
    services.lead_accept(lead_id=lead.pk, actor=seller(territory["gold"]))
    with pytest.raises(ValidationError) as exc:
        services.lead_accept(lead_id=lead.pk, actor=seller(territory["diamond"]))
    assert territory["gold"].legal_name not in str(exc.value)
    assert Deal.objects.count() == 1


def test_declined_offer_cannot_be_accepted_later(territory):
    lead = publish()
    user = seller(territory["gold"])
    services.lead_decline(lead_id=lead.pk, actor=user)
    with pytest.raises(ValidationError):
        services.lead_accept(lead_id=lead.pk, actor=user)


def test_withdrawn_lead_cannot_be_accepted(territory):
    lead = publish()
    services.lead_withdraw(lead_id=lead.pk, actor=staff())
    with pytest.raises(ValidationError):
        services.lead_accept(lead_id=lead.pk, actor=seller(territory["gold"]))


def test_partner_finance_and_staff_cannot_accept(territory):
    lead = publish()
    for actor in (seller(territory["gold"], role=Role.PARTNER_FINANCE), staff()):
        with pytest.raises(PermissionDenied):
            services.lead_accept(lead_id=lead.pk, actor=actor)


def test_partner_cannot_publish(partner_user):
    with pytest.raises(PermissionDenied):
        services.lead_publish(actor=partner_user, data=LEAD)


# --- pages -----------------------------------------------------------------------------------
def test_partner_page_lists_only_its_offers(client, territory):
    mine = publish(project_name="Ours")
    user = seller(territory["silver"])
    login(client, user)
    response = client.get(reverse("deals:lead_list"))
    assert response.status_code == 200
    assert "Ours" not in response.text  # exclusive to core partners
    login(client, seller(territory["gold"]))
    response = client.get(reverse("deals:lead_list"))
    assert "Ours" in response.text
    assert territory["diamond"].legal_name not in response.text
    assert client.get(reverse("deals:lead_detail", args=[mine.pk])).status_code == 404


def test_partner_page_query_count_is_fixed(client, territory, django_assert_max_num_queries):
    for n in range(12):
        publish(project_name=f"Lead {n}")
    login(client, seller(territory["gold"]))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("deals:lead_list"))
    assert response.text.count('<tr id="lead-offer-') == 12


def test_staff_list_query_count_is_fixed(client, territory, django_assert_max_num_queries):
    for n in range(12):
        publish(project_name=f"Lead {n}")
    login(client, staff())
    with django_assert_max_num_queries(10):
        response = client.get(reverse("deals:lead_list") + "?status=exclusive")
    assert response.text.count("Lead ") >= 12


def test_htmx_accept_redirects_to_the_new_draft(client, territory):
    lead = publish()
    login(client, seller(territory["gold"]))
    response = client.post(reverse("deals:lead_accept", args=[lead.pk]), HTTP_HX_REQUEST="true")
    deal = Deal.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("deals:detail", args=[deal.pk])


def test_htmx_accept_of_a_taken_lead_shows_the_message_in_the_row(client, territory):
    lead = publish()
    services.lead_accept(lead_id=lead.pk, actor=seller(territory["diamond"]))
    login(client, seller(territory["gold"]))
    response = client.post(reverse("deals:lead_accept", args=[lead.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "no longer available" in response.text
    assert territory["diamond"].legal_name not in response.text
    assert Deal.objects.count() == 1


def test_htmx_decline_swaps_the_row(client, territory):
    lead = publish()
    login(client, seller(territory["gold"]))
    response = client.post(reverse("deals:lead_decline", args=[lead.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="lead-offer-{lead.pk}"' in response.text
    assert lead.offers.get(partner=territory["gold"]).status == LeadOfferStatus.DECLINED


def test_partner_without_an_offer_gets_404_and_nothing_changes(client, territory):
    lead = publish()
    login(client, seller(territory["gold_beijing"]))
    for name in ("deals:lead_accept", "deals:lead_decline"):
        assert client.post(reverse(name, args=[lead.pk])).status_code == 404
    lead.refresh_from_db()
    assert lead.status == LeadStatus.EXCLUSIVE
    assert Deal.objects.count() == 0


def test_staff_publish_page_creates_a_lead(client, territory):
    login(client, staff())
    data = {k: str(v) for k, v in LEAD.items()}
    response = client.post(reverse("deals:lead_create"), data)
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:lead_detail", args=[lead.pk])
    detail = client.get(response["Location"])
    assert territory["gold"].legal_name in detail.text


def test_publish_page_bad_input_gives_field_errors_and_saves_nothing(client):
    login(client, staff())
    data = {k: str(v) for k, v in LEAD.items()} | {
        "estimated_value": "-5",
        "customer_region": "XX",
        "project_name": "",
    }
    response = client.post(reverse("deals:lead_create"), data)
    assert response.status_code == 200
    for field in ("estimated_value", "customer_region", "project_name"):
        assert f'id="error-{field}"' in response.text
    assert Lead.objects.count() == 0


def test_partner_cannot_open_the_publish_page(client, partner_user):
    login(client, partner_user)
    assert client.get(reverse("deals:lead_create")).status_code == 403


# --- API -------------------------------------------------------------------------------------
def test_api_partner_lists_and_accepts_its_offer(api_client, territory):
    lead = publish()
    api_client.force_authenticate(seller(territory["gold"]))
    listed = api_client.get("/api/v1/leads/").json()
    assert [row["lead"]["id"] for row in listed["results"]] == [lead.pk]
    assert "partner" not in listed["results"][0]
    response = api_client.post(f"/api/v1/leads/{lead.pk}/accept/")
    assert response.status_code == 201
    assert response.json()["status"] == DealStatus.DRAFT


def test_api_accept_of_a_taken_lead_is_400_without_identity(api_client, territory):
    lead = publish()
    services.lead_accept(lead_id=lead.pk, actor=seller(territory["diamond"]))
    api_client.force_authenticate(seller(territory["gold"]))
    response = api_client.post(f"/api/v1/leads/{lead.pk}/accept/")
    assert response.status_code == 400
    assert territory["diamond"].legal_name not in response.text
    assert "accepted_partner" not in api_client.get(f"/api/v1/leads/{lead.pk}/").text


def test_api_partner_without_offer_gets_404(api_client, territory):
    lead = publish()
    api_client.force_authenticate(seller(territory["silver"]))
    assert api_client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/leads/{lead.pk}/accept/").status_code == 404
    assert Deal.objects.count() == 0


def test_api_staff_publishes_and_bad_input_is_field_level(api_client, territory):
    api_client.force_authenticate(staff())
    response = api_client.post(
        "/api/v1/leads/", {k: str(v) for k, v in LEAD.items()}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == LeadStatus.EXCLUSIVE
    bad = api_client.post(
        "/api/v1/leads/",
        {k: str(v) for k, v in LEAD.items()} | {"estimated_value": "abc"},
        format="json",
    )
    assert bad.status_code == 400
    assert "estimated_value" in bad.json()
    assert Lead.objects.count() == 1


def test_api_partner_cannot_publish(api_client, partner_user):
    api_client.force_authenticate(partner_user)
    response = api_client.post(
        "/api/v1/leads/", {k: str(v) for k, v in LEAD.items()}, format="json"
    )
    assert response.status_code == 404
    assert Lead.objects.count() == 0


def test_partner_views_of_offered_leads_are_audited(client, territory):
    lead = publish()
    user = seller(territory["gold"])
    login(client, user).get(reverse("deals:lead_list"))
    event = AuditEvent.objects.get(action="lead.listed")
    assert event.actor == user
    assert event.changes["ids"] == [lead.pk]


def test_partner_views_of_a_registration_are_audited(client, territory):
    lead = publish()
    user = seller(territory["gold"])
    deal = services.lead_accept(lead_id=lead.pk, actor=user)
    login(client, user).get(reverse("deals:detail", args=[deal.pk]))
    assert AuditEvent.objects.filter(action="deal.viewed", actor=user).count() == 1


def test_opening_and_expiry_warning_jobs_are_scheduled():
    from django.conf import settings

    from prm.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("deals.tasks.lead_open_due_task", "deals.tasks.deal_warn_expiring_task"):
        assert name in tasks
        assert name in app.tasks


def test_anonymous_is_sent_to_login_for_every_lead_page(client, territory):
    lead = publish()
    for name, args in (
        ("deals:lead_list", []),
        ("deals:lead_create", []),
        ("deals:lead_detail", [lead.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 302
    for name in ("deals:lead_accept", "deals:lead_decline", "deals:lead_withdraw"):
        assert client.post(reverse(name, args=[lead.pk])).status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.EXCLUSIVE


def test_staff_withdraws_a_lead_and_partners_cannot(client, territory):
    lead = publish()
    login(client, seller(territory["gold"]))
    assert client.post(reverse("deals:lead_withdraw", args=[lead.pk])).status_code == 403
    login(client, staff())
    response = client.post(reverse("deals:lead_withdraw", args=[lead.pk]))
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WITHDRAWN
    assert not lead.offers.filter(status=LeadOfferStatus.OFFERED).exists()
