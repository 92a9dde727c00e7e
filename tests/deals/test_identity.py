"""The partner that registered later learns that a conflict exists, never with whom or what
(DESIGN §4.2): not in pages, API, notifications or error messages."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from core.models import Notification
from deals import services
from deals.choices import DealStatus
from tests.conftest import login
from tests.factories import PartnerUserFactory, staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

SECRETS = ("Rival Channel Co., Ltd.", "Secret tender", "91310000SECRET0001")


@pytest.fixture
def conflict():
    product = ProductFactory()
    first = DealFactory(
        partner__legal_name=SECRETS[0],
        customer_name="Contoso Logistics GmbH",
        customer_tax_id=SECRETS[2],
        project_name=SECRETS[1],
        lines=[(product, 1, 900)],
    )
    services.deal_submit(deal=first, actor=first.registered_by)
    later = DealFactory(customer_name="CONTOSO LOGISTICS G.m.b.H.", lines=[(product, 1, 900)])
    user = PartnerUserFactory(partner=later.partner, role=Role.PARTNER_SALES)
    later = services.deal_submit(deal=later, actor=later.registered_by)
    assert later.status == DealStatus.IN_CONFLICT
    return first, later, user


def no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_pages_never_show_the_earlier_registration(client, conflict):
    first, later, user = conflict
    login(client, user)
    for url in (
        reverse("deals:list"),
        reverse("deals:list") + "?status=in_conflict",
        reverse("deals:detail", args=[later.pk]),
        reverse("core:dashboard"),
        reverse("core:notification_list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        no_secret(response.text)
    missing = client.get(reverse("deals:detail", args=[first.pk]))
    assert missing.status_code == 404
    no_secret(missing.text)


def test_api_never_shows_the_earlier_registration(api_client, conflict):
    first, later, user = conflict
    api_client.force_authenticate(user)
    for url in (f"/api/v1/deals/{later.pk}/", "/api/v1/deals/?status=in_conflict"):
        response = api_client.get(url)
        assert response.status_code == 200
        no_secret(response.content.decode())
    for response in (
        api_client.get(f"/api/v1/deals/{first.pk}/"),
        api_client.post(f"/api/v1/deals/{first.pk}/submit/"),
        api_client.post(f"/api/v1/deals/{later.pk}/submit/"),  # already submitted: an error
    ):
        assert response.status_code in (400, 404)
        no_secret(response.content.decode())


def test_notifications_never_name_the_earlier_registration(conflict):
    _first, later, _user = conflict
    notes = Notification.objects.filter(recipient__partner=later.partner)
    assert notes.filter(kind="deal.in_conflict").exists()
    for note in notes:
        no_secret(note.title + note.body + note.url)


def test_first_registrant_is_told_when_both_are_approved_without_the_other_identity(conflict):
    first, later, _user = conflict
    services.deal_approve(
        deal=later, actor=staff(Role.CHANNEL_DIRECTOR), reason="Different sites of the group"
    )
    note = Notification.objects.get(kind="deal.conflict_approved")
    assert note.recipient.partner_id == first.partner_id
    for text in (later.partner.legal_name, later.project_name, "Different sites"):
        assert text not in note.title + note.body
