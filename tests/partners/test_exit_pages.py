"""Pages and API of a partner's exit (DESIGN §2.9): the manager starts it, works the checklist,
hands the deals over in bulk and completes it; the leaving partner's admin reads it; nobody else
at the company, and no other company, reaches it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core.models import AuditEvent
from deals.choices import DealStatus
from deals.models import Deal, DealHandover
from partners import services
from partners.choices import ExitStatus
from partners.models import ExitItem, PartnerExit

from ..conftest import login
from ..deals.factories import DealFactory, ProductFactory
from ..factories import PartnerFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    manager = UserFactory(role=Role.CHANNEL_MANAGER)
    leaving = PartnerFactory(channel_manager=manager, legal_name="Leaving Ltd")
    receiver = PartnerFactory(channel_manager=manager, legal_name="Receiver Ltd")
    return {
        "manager": manager,
        "leaving": leaving,
        "receiver": receiver,
        "admin": PartnerUserFactory(partner=leaving, role=Role.PARTNER_ADMIN),
        "sales": PartnerUserFactory(partner=leaving, role=Role.PARTNER_SALES),
        "other": PartnerUserFactory(partner=PartnerFactory(), role=Role.PARTNER_ADMIN),
    }


def started(world, days=30):
    return services.partner_exit_start(
        partner=world["leaving"],
        actor=world["manager"],
        kind="termination",
        reason="Breach not remedied",
        exit_date=timezone.localdate() + datetime.timedelta(days=days),
    )


def open_deals(world, count):
    deals = []
    for _ in range(count):
        deal = DealFactory(partner=world["leaving"], registered_by=world["sales"])
        Deal.objects.filter(pk=deal.pk).update(status=DealStatus.SUBMITTED)
        deals.append(deal)
    return deals


# --- start ------------------------------------------------------------------------------------
def test_manager_starts_an_exit_from_the_page(client, world):
    login(client, world["manager"])
    url = reverse("partners:exit_start", args=[world["leaving"].pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "kind": "non_renewal",
            "exit_date": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
            "reason": "Agreement not renewed",
        },
    )

    partner_exit = PartnerExit.objects.get(partner=world["leaving"])
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:exit_detail", args=[partner_exit.pk])
    assert partner_exit.items.count() == 7


def test_start_page_answers_bad_input_field_by_field(client, world):
    login(client, world["manager"])
    response = client.post(
        reverse("partners:exit_start", args=[world["leaving"].pk]),
        {"kind": "termination", "exit_date": "2001-01-01", "reason": ""},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "reason" in form.errors
    assert not PartnerExit.objects.exists()
    response = client.post(
        reverse("partners:exit_start", args=[world["leaving"].pk]),
        {"kind": "termination", "exit_date": "2001-01-01", "reason": "x"},
    )
    assert response.status_code == 400 and "exit_date" in response.context["form"].errors


def test_the_partner_page_offers_the_exit_to_its_manager_and_links_the_exit(client, world):
    login(client, world["manager"])
    page = client.get(reverse("partners:partner_detail", args=[world["leaving"].pk]))
    assert reverse("partners:exit_start", args=[world["leaving"].pk]) in page.content.decode()
    partner_exit = started(world)
    page = client.get(reverse("partners:partner_detail", args=[world["leaving"].pk]))
    assert reverse("partners:exit_detail", args=[partner_exit.pk]) in page.content.decode()


# --- checklist --------------------------------------------------------------------------------
def test_checklist_page_shows_steps_owners_and_actions_to_the_manager(
    client, world, django_assert_max_num_queries
):
    partner_exit = started(world)
    open_deals(world, 2)
    login(client, world["manager"])
    with django_assert_max_num_queries(30):
        response = client.get(reverse("partners:exit_detail", args=[partner_exit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Open deals and protected customers handed over" in body
    assert reverse("deals:exit_handover", args=[partner_exit.pk]) in body
    assert "2 left" in body
    assert "Withdraw the lead offers" in body
    assert "Finish the checklist first." in body and "Complete the exit" not in body


def test_the_leaving_partner_admin_reads_the_checklist_without_actions(client, world):
    partner_exit = started(world)
    login(client, world["admin"])
    response = client.get(reverse("partners:exit_detail", args=[partner_exit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lead offers withdrawn" in body
    assert "Mark done" not in body and "Complete the exit" not in body
    assert reverse("deals:exit_handover", args=[partner_exit.pk]) not in body
    # the company page links it
    page = client.get(reverse("partners:my_company"))
    assert reverse("partners:exit_detail", args=[partner_exit.pk]) in page.content.decode()


@pytest.mark.parametrize("who", ["sales", "other"])
def test_partner_sales_and_another_company_get_404_on_the_exit(client, world, who):
    partner_exit = started(world)
    login(client, world[who])
    assert client.get(reverse("partners:exit_detail", args=[partner_exit.pk])).status_code == 404


def test_another_manager_cannot_act_on_the_checklist(client, world):
    partner_exit = started(world)
    item = partner_exit.items.get(step="materials")
    login(client, UserFactory(role=Role.CHANNEL_MANAGER))
    response = client.post(
        reverse("partners:exit_item_done", args=[partner_exit.pk, item.pk]), {"note": "x"}
    )
    assert response.status_code == 403
    assert not ExitItem.objects.get(pk=item.pk).is_done


def test_mark_done_and_run_from_the_page(client, world):
    partner_exit = started(world)
    login(client, world["manager"])
    materials = partner_exit.items.get(step="materials")
    leads = partner_exit.items.get(step="leads")

    client.post(
        reverse("partners:exit_item_done", args=[partner_exit.pk, materials.pk]),
        {"note": "Demo kit back"},
    )
    client.post(reverse("partners:exit_item_run", args=[partner_exit.pk, leads.pk]))

    materials.refresh_from_db()
    leads.refresh_from_db()
    assert materials.is_done and materials.note == "Demo kit back"
    assert leads.is_done


def test_complete_from_the_page_refuses_with_a_message_while_steps_are_open(client, world):
    partner_exit = started(world)
    login(client, world["manager"])
    response = client.post(reverse("partners:exit_complete", args=[partner_exit.pk]), follow=True)
    assert "Finish the checklist first" in response.content.decode()
    assert PartnerExit.objects.get(pk=partner_exit.pk).status == ExitStatus.OPEN


# --- bulk handover ----------------------------------------------------------------------------
def test_bulk_handover_to_a_chosen_partner(client, world, django_assert_max_num_queries):
    partner_exit = started(world)
    deals = open_deals(world, 3)
    login(client, world["manager"])
    url = reverse("deals:exit_handover", args=[partner_exit.pk])
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200 and deals[0].project_name in page.content.decode()

    response = client.post(
        url,
        {
            "ids": [deals[0].pk, deals[1].pk],
            "to_partner": world["receiver"].tax_id,
            "note": "Region",
        },
    )

    assert response.status_code == 200
    assert len(response.context["result"].succeeded) == 2
    assert set(Deal.objects.filter(partner=world["receiver"]).values_list("pk", flat=True)) == {
        deals[0].pk,
        deals[1].pk,
    }
    assert AuditEvent.objects.filter(action="deal.handed_over").count() == 2
    # the third is left on the page
    assert list(response.context["deals"]) == [Deal.objects.get(pk=deals[2].pk)]


def test_bulk_handover_back_to_the_vendor_and_a_foreign_id_is_not_found(client, world):
    partner_exit = started(world)
    (deal,) = open_deals(world, 1)
    foreign = DealFactory(partner=world["receiver"])
    Deal.objects.filter(pk=foreign.pk).update(status=DealStatus.SUBMITTED)
    login(client, world["manager"])

    response = client.post(
        reverse("deals:exit_handover", args=[partner_exit.pk]),
        {"ids": [deal.pk, foreign.pk], "to_partner": ""},
    )

    result = response.context["result"]
    assert [o.pk for o in result.succeeded] == [deal.pk]
    assert [o.message for o in result.failed] == ["Not found."]
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.EXPIRED
    assert Deal.objects.get(pk=foreign.pk).status == DealStatus.SUBMITTED
    assert DealHandover.objects.get().to_partner is None


def test_bulk_handover_without_a_selection_is_a_field_error(client, world):
    partner_exit = started(world)
    open_deals(world, 1)
    login(client, world["manager"])
    response = client.post(reverse("deals:exit_handover", args=[partner_exit.pk]), {"ids": []})
    assert response.status_code == 400 and "ids" in response.context["form"].errors
    assert not DealHandover.objects.exists()


def test_handover_page_refuses_a_manager_of_other_partners(client, world):
    partner_exit = started(world)
    login(client, UserFactory(role=Role.CHANNEL_MANAGER))
    response = client.get(reverse("deals:exit_handover", args=[partner_exit.pk]))
    assert response.status_code == 403


def test_the_receiver_sees_the_handed_deal_and_the_leaver_loses_it(client, world):
    partner_exit = started(world)
    (deal,) = open_deals(world, 1)
    receiver_admin = PartnerUserFactory(partner=world["receiver"], role=Role.PARTNER_ADMIN)
    login(client, world["manager"])
    client.post(
        reverse("deals:exit_handover", args=[partner_exit.pk]),
        {"ids": [deal.pk], "to_partner": world["receiver"].tax_id},
    )
    login(client, world["sales"])
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 404
    login(client, receiver_admin)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200


# --- no new deals through any door ------------------------------------------------------------
def test_the_new_deal_page_tells_a_partner_in_exit_it_cannot_register(client, world):
    started(world)
    login(client, world["sales"])
    response = client.get(reverse("deals:create"), follow=True)
    assert "cannot register new deals" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("deals:list")


def test_the_api_refuses_a_new_deal_of_a_partner_in_exit(api_client, world):
    started(world)
    api_client.force_authenticate(world["sales"])
    response = api_client.post(
        "/api/v1/deals/",
        {
            "customer_name": "Someone Ltd",
            "customer_region": "CN-SH",
            "project_name": "P",
            "currency": "CNY",
            "expected_close_date": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
            "lines": [{"product": ProductFactory().sku, "quantity": 1, "unit_price": "900.00"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "cannot register new deals" in str(response.json())
    assert not Deal.objects.exists()


# --- API --------------------------------------------------------------------------------------
def test_partner_admin_reads_its_exit_through_the_api(api_client, world):
    partner_exit = started(world)
    api_client.force_authenticate(world["admin"])
    response = api_client.get(f"/api/v1/partners/exits/{partner_exit.pk}/")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "open" and len(body["items"]) == 7
    assert {item["step"] for item in body["items"]} >= {"deals", "final_statement", "users"}
    assert api_client.get("/api/v1/partners/exits/").json()["count"] == 1


@pytest.mark.parametrize("who", ["sales", "other"])
def test_the_api_hides_the_exit_from_sales_and_other_companies(api_client, world, who):
    partner_exit = started(world)
    api_client.force_authenticate(world[who])
    assert api_client.get(f"/api/v1/partners/exits/{partner_exit.pk}/").status_code == 404
    assert api_client.get("/api/v1/partners/exits/").json()["count"] == 0


def test_staff_start_and_complete_through_the_api(api_client, world):
    api_client.force_authenticate(world["manager"])
    bad = api_client.post(
        "/api/v1/partners/exits/",
        {"partner": world["leaving"].pk, "kind": "x", "reason": "", "exit_date": "2020-01-01"},
        format="json",
    )
    assert bad.status_code == 400 and not PartnerExit.objects.exists()
    response = api_client.post(
        "/api/v1/partners/exits/",
        {
            "partner": world["leaving"].pk,
            "kind": "termination",
            "reason": "Breach",
            "exit_date": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    exit_id = response.json()["id"]
    refused = api_client.post(f"/api/v1/partners/exits/{exit_id}/complete/")
    assert refused.status_code == 400
    assert PartnerExit.objects.get(pk=exit_id).status == ExitStatus.OPEN


def test_a_partner_admin_cannot_start_an_exit_through_the_api(api_client, world):
    api_client.force_authenticate(world["admin"])
    response = api_client.post(
        "/api/v1/partners/exits/",
        {
            "partner": world["leaving"].pk,
            "kind": "termination",
            "reason": "x",
            "exit_date": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 403


def test_a_handed_deal_shows_the_contact_to_the_receivers_admin_and_masks_it_to_its_sales(
    client, world
):
    # given an open registration with a customer contact, handed over to another partner
    partner_exit = started(world)
    (deal,) = open_deals(world, 1)
    Deal.objects.filter(pk=deal.pk).update(customer_contact_phone="13812345678")
    receiver_admin = PartnerUserFactory(partner=world["receiver"], role=Role.PARTNER_ADMIN)
    receiver_sales = PartnerUserFactory(partner=world["receiver"], role=Role.PARTNER_SALES)
    login(client, world["manager"])
    client.post(
        reverse("deals:exit_handover", args=[partner_exit.pk]),
        {"ids": [deal.pk], "to_partner": world["receiver"].tax_id},
    )
    url = reverse("deals:detail", args=[deal.pk])
    # then the receiving company's admin reads it in full, its other sellers masked (DESIGN §2.7)
    login(client, receiver_admin)
    assert "13812345678" in client.get(url).content.decode()
    login(client, receiver_sales)
    body = client.get(url).content.decode()
    assert "13812345678" not in body and "138****5678" in body


def test_the_exit_list_shows_staff_the_exits(client, world, django_assert_max_num_queries):
    started(world)
    login(client, world["manager"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:exit_list"))
    assert response.status_code == 200 and "Leaving Ltd" in response.content.decode()
    login(client, world["admin"])
    assert client.get(reverse("partners:exit_list")).status_code == 403


def test_the_deal_list_and_dashboard_offer_no_registration_to_a_partner_in_exit(client, world):
    login(client, world["sales"])
    assert reverse("deals:create") in client.get(reverse("deals:list")).content.decode()
    started(world)
    body = client.get(reverse("deals:list")).content.decode()
    assert reverse("deals:create") not in body
    assert "cannot register new deals" in body
    assert reverse("deals:create") not in client.get(reverse("core:dashboard")).content.decode()
