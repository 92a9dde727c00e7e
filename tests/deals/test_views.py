"""Pages: anonymous, other partner (404), permitted; field errors; fixed query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from tests.conftest import login
from tests.factories import PartnerFactory, staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("deals:list"))
    assert response.status_code == 302


def test_list_shows_only_own_company(client, partner_user, other_partner):
    mine = DealFactory(partner=partner_user.partner, project_name="Mine")
    DealFactory(partner=other_partner, project_name="Theirs")
    response = login(client, partner_user).get(reverse("deals:list"))
    assert mine.project_name in response.text
    assert "Theirs" not in response.text


def test_list_query_count_is_fixed(client, partner_user, django_assert_max_num_queries):
    for _ in range(15):
        DealFactory(partner=partner_user.partner)
    login(client, partner_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("deals:list") + "?status=draft")
    assert response.status_code == 200


def test_other_company_deal_is_404(client, partner_user, other_partner):
    theirs = DealFactory(partner=other_partner)
    login(client, partner_user)
    for name in ("deals:detail", "deals:edit"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("deals:submit", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == DealStatus.DRAFT


def test_partner_creates_draft_with_lines(client, partner_user):
    product = ProductFactory()
    login(client, partner_user)
    data = {
        "customer_name": "Acme Inc.",
        "customer_tax_id": "",
        "customer_region": "CN-SH",
        "industry": "retail",
        "project_name": "Core network",
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
    }
    response = client.post(reverse("deals:create"), data)
    deal = Deal.objects.get(project_name="Core network")
    assert response.status_code == 302
    assert deal.partner == partner_user.partner
    assert deal.lines.get().unit_price == Decimal("950.00")


def test_bad_input_gives_field_errors_and_saves_nothing(client, partner_user):
    login(client, partner_user)
    data = {
        "customer_name": "",
        "customer_region": "XX",
        "expected_close_date": "not a date",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-quantity": "-1",
        "lines-0-unit_price": "abc",
    }
    response = client.post(reverse("deals:create"), data)
    assert response.status_code == 200
    assert 'id="error-customer_name"' in response.text
    assert 'id="error-expected_close_date"' in response.text
    assert not Deal.objects.exists()


def test_submit_from_detail_page(client, partner_user):
    deal = DealFactory(partner=partner_user.partner, registered_by=partner_user)
    login(client, partner_user)
    response = client.post(reverse("deals:submit", args=[deal.pk]), follow=True)
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED
    # The message says what was done and where the deal stands, not a bare "Done."
    assert f"“{deal.project_name}” submitted for approval; it is now Submitted." in response.text


def test_conflicted_partner_never_sees_the_other_registration(client, partner_user, other_partner):
    product = ProductFactory()
    first = DealFactory(
        partner=other_partner,
        customer_name="Acme Inc.",
        project_name="Secret project",
        lines=[(product, 1, 900)],
    )
    services.deal_submit(deal=first, actor=first.registered_by)
    later = DealFactory(
        partner=partner_user.partner, customer_name="ACME Corp", lines=[(product, 1, 900)]
    )
    services.deal_submit(deal=later, actor=later.registered_by)
    response = login(client, partner_user).get(reverse("deals:detail", args=[later.pk]))
    assert "conflicts with an earlier registration" in response.text
    assert other_partner.legal_name not in response.text
    assert "Secret project" not in response.text
    assert client.get(reverse("deals:detail", args=[first.pk])).status_code == 404


def test_manager_sees_conflict_side_by_side_and_queue(client):
    director = staff(Role.CHANNEL_DIRECTOR)
    product = ProductFactory()
    first = DealFactory(
        customer_name="Acme Inc.", project_name="First one", lines=[(product, 1, 900)]
    )
    services.deal_submit(deal=first, actor=first.registered_by)
    later = DealFactory(customer_name="ACME Corp", lines=[(product, 1, 900)])
    services.deal_submit(deal=later, actor=later.registered_by)
    login(client, director)
    response = client.get(reverse("deals:detail", args=[later.pk]))
    assert 'id="conflict-other"' in response.text
    assert "First one" in response.text
    queue = client.get(reverse("deals:queue"))
    assert later.project_name in queue.text


def test_queue_forbidden_to_partners(client, partner_user):
    assert login(client, partner_user).get(reverse("deals:queue")).status_code == 403


def test_queue_query_count_is_fixed(client, django_assert_max_num_queries):
    manager = staff(Role.CHANNEL_MANAGER)
    partner = PartnerFactory(channel_manager=manager)
    for i in range(10):
        deal = DealFactory(partner=partner, customer_name=f"Customer {i} Ltd")
        services.deal_submit(deal=deal, actor=deal.registered_by)
    login(client, manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("deals:queue"))
    assert response.text.count("/deals/") >= 10


def test_reject_without_reason_shows_message_and_changes_nothing(client):
    director = staff(Role.CHANNEL_DIRECTOR)
    deal = DealFactory()
    services.deal_submit(deal=deal, actor=deal.registered_by)
    login(client, director)
    response = client.post(
        reverse("deals:decide", args=[deal.pk, "reject"]), {"reason": ""}, follow=True
    )
    assert "A reason is required" in response.text
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED


def test_manager_of_other_partner_gets_404_on_decide(client):
    deal = DealFactory()
    services.deal_submit(deal=deal, actor=deal.registered_by)
    login(client, staff(Role.CHANNEL_MANAGER))
    assert client.post(reverse("deals:decide", args=[deal.pk, "approve"])).status_code == 404


def test_close_lost_page(client, partner_user):
    deal = DealFactory(partner=partner_user.partner, registered_by=partner_user)
    services.deal_submit(deal=deal, actor=partner_user)
    services.deal_approve(deal=deal, actor=staff(Role.CHANNEL_DIRECTOR))
    login(client, partner_user)
    response = client.post(reverse("deals:close", args=[deal.pk, "lost"]), {"reason": ""})
    assert 'id="error-reason"' in response.text
    client.post(reverse("deals:close", args=[deal.pk, "lost"]), {"reason": "budget cut"})
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
