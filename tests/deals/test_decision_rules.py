"""One rule decides the decision buttons and the decisions themselves (DESIGN §1, §4.3, §4.4).

Each case is tried at the page (button absent or present), the service and the API.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import Role
from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from deals.permissions import deal_decisions_for
from tests.conftest import login
from tests.factories import PartnerFactory, staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def submitted(**kwargs) -> Deal:
    deal = DealFactory(**kwargs)
    return services.deal_submit(deal=deal, actor=deal.registered_by)


def approve_url(deal: Deal) -> str:
    return reverse("deals:decide", args=[deal.pk, "approve"])


def reject_url(deal: Deal) -> str:
    return reverse("deals:decide", args=[deal.pk, "reject"])


@pytest.fixture
def cross_region_conflict(manager) -> Deal:
    """A later registration in conflict whose customer is outside the partner's territory."""
    product = ProductFactory()
    submitted(customer_name="Contoso Trading Ltd", lines=[(product, 1, Decimal("900"))])
    deal = submitted(
        customer_name="Contoso Trading Limited",
        customer_region="CN-SH",
        partner=PartnerFactory(channel_manager=manager, regions=["CN-BJ"]),
        lines=[(product, 1, Decimal("900"))],
    )
    assert (deal.status, deal.cross_region) == (DealStatus.IN_CONFLICT, True)
    return deal


@pytest.fixture
def below_floor(manager) -> Deal:
    product = ProductFactory(floor_price=Decimal("600.00"))
    deal = submitted(
        partner=PartnerFactory(channel_manager=manager), lines=[(product, 1, Decimal("599.99"))]
    )
    assert deal.below_floor
    return deal


def test_manager_is_not_offered_approve_both_on_a_cross_region_conflict(
    client, manager, cross_region_conflict
):
    # given a cross-region registration in conflict, owned by the manager
    deal = cross_region_conflict
    # when the manager opens it
    page = login(client, manager).get(reverse("deals:detail", args=[deal.pk]))
    # then "Approve both" is not offered, rejecting is
    assert approve_url(deal) not in page.text
    assert "Approve both" not in page.text
    assert reject_url(deal) in page.text


def test_manager_cannot_approve_both_on_a_cross_region_conflict(
    client, api_client, manager, cross_region_conflict
):
    deal = cross_region_conflict
    # when the manager approves anyway, through the service, the page and the API
    with pytest.raises(ValidationError):
        services.deal_approve(deal=deal, actor=manager, reason="both genuine")
    login(client, manager).post(approve_url(deal), {"reason": "both genuine"})
    api_client.force_authenticate(manager)
    response = api_client.post(
        f"/api/v1/deals/{deal.pk}/approve/", {"reason": "both genuine"}, format="json"
    )
    # then every door refuses and the registration stays in conflict
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_CONFLICT


def test_director_is_offered_and_may_approve_both(client, cross_region_conflict):
    director = staff(Role.CHANNEL_DIRECTOR)
    page = login(client, director).get(reverse("deals:detail", args=[cross_region_conflict.pk]))
    assert "Approve both" in page.text
    deal = services.deal_approve(deal=cross_region_conflict, actor=director, reason="both genuine")
    assert deal.status == DealStatus.APPROVED


def test_manager_is_not_offered_approve_on_a_below_floor_line(
    client, api_client, manager, below_floor
):
    # given a registration with a line below the floor, owned by the manager
    deal = below_floor
    # when the manager opens it and then approves through the API
    page = login(client, manager).get(reverse("deals:detail", args=[deal.pk]))
    api_client.force_authenticate(manager)
    response = api_client.post(f"/api/v1/deals/{deal.pk}/approve/")
    # then no Approve button, and the approval is refused
    assert approve_url(deal) not in page.text
    assert reject_url(deal) in page.text
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED


def test_manager_is_offered_approve_on_a_plain_registration(client, manager):
    deal = submitted(partner=PartnerFactory(channel_manager=manager))
    page = login(client, manager).get(reverse("deals:detail", args=[deal.pk]))
    assert approve_url(deal) in page.text
    assert deal_decisions_for(user=manager, deal=deal) == {"approve", "reject"}


def test_approver_is_not_offered_approve_again(client, api_client, manager):
    # given a registration the manager approved
    deal = submitted(partner=PartnerFactory(channel_manager=manager))
    deal = services.deal_approve(deal=deal, actor=manager)
    # when the manager opens it again and tries again through the API
    page = login(client, manager).get(reverse("deals:detail", args=[deal.pk]))
    api_client.force_authenticate(manager)
    response = api_client.post(f"/api/v1/deals/{deal.pk}/approve/")
    # then neither Approve nor Reject is offered, and the second approval is refused
    assert approve_url(deal) not in page.text
    assert reject_url(deal) not in page.text
    assert response.status_code == 400
    assert deal_decisions_for(user=manager, deal=deal) == frozenset()


def test_partner_user_is_offered_no_decision(client, below_floor):
    page = login(client, below_floor.registered_by).get(
        reverse("deals:detail", args=[below_floor.pk])
    )
    assert approve_url(below_floor) not in page.text
    assert reject_url(below_floor) not in page.text


def test_extension_decision_is_offered_only_while_one_is_pending(client, manager):
    # given an approved registration of the manager's partner
    deal = submitted(partner=PartnerFactory(channel_manager=manager))
    services.deal_approve(deal=deal, actor=manager)
    assert "decide_extension" not in deal_decisions_for(user=manager, deal=deal)
    # when the partner asks for an extension / then the manager is offered the decision once
    services.deal_extension_request(deal=deal, actor=deal.registered_by, justification="Tender")
    deal.refresh_from_db()
    assert "decide_extension" in deal_decisions_for(user=manager, deal=deal)
    services.deal_extension_decide(deal=deal, actor=manager, approve=True)
    deal.refresh_from_db()
    assert "decide_extension" not in deal_decisions_for(user=manager, deal=deal)
    page = login(client, manager).get(reverse("deals:detail", args=[deal.pk]))
    assert reverse("deals:extension_decide", args=[deal.pk]) not in page.text


def test_detail_page_query_count_does_not_grow_with_lines(
    client, manager, django_assert_max_num_queries
):
    product = ProductFactory()
    deal = submitted(
        partner=PartnerFactory(channel_manager=manager),
        lines=[(product, 1, Decimal("900"))] * 12,
    )
    login(client, manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("deals:detail", args=[deal.pk]))
    assert response.status_code == 200
