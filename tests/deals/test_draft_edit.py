"""Editing a draft (page, API PATCH and PUT) outside a test transaction, as in production.

The normal test transaction would hide a row lock taken outside `transaction.atomic`; these tests
commit for real, so such a lock raises `TransactionManagementError` (a 500) here too.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEvent
from deals.choices import DealStatus
from deals.models import Deal
from tests.conftest import login

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_partner_edits_draft_on_the_page(client, partner_user):
    # given a draft of the partner's company
    deal = DealFactory(partner=partner_user.partner, registered_by=partner_user)
    product = ProductFactory()
    data = {
        "customer_name": "Acme Trading Ltd",
        "customer_tax_id": "",
        "customer_region": "CN-SH",
        "industry": "retail",
        "project_name": "Edited on the page",
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "competitors": "",
        "notes": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-quantity": "3",
        "lines-0-unit_price": "950.00",
    }
    # when the partner saves the edit form
    response = login(client, partner_user).post(reverse("deals:edit", args=[deal.pk]), data)
    # then the draft is saved with its new line and the edit is audited
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.project_name == "Edited on the page"
    assert deal.status == DealStatus.DRAFT
    line = deal.lines.get()
    assert (line.product_id, line.quantity, line.unit_price) == (product.pk, 3, Decimal("950.00"))
    assert AuditEvent.objects.filter(action="deal.updated", object_id=str(deal.pk)).exists()


def test_partner_patches_draft_through_the_api(api_client, partner_user):
    # given a draft with one line
    deal = DealFactory(partner=partner_user.partner, registered_by=partner_user)
    before = list(deal.lines.values_list("product_id", "quantity", "unit_price"))
    # when the partner changes one field with PATCH
    api_client.force_authenticate(partner_user)
    response = api_client.patch(
        f"/api/v1/deals/{deal.pk}/", {"project_name": "Patched"}, format="json"
    )
    # then the field changes and the lines are kept
    assert response.status_code == 200, response.data
    assert response.data["project_name"] == "Patched"
    deal.refresh_from_db()
    assert deal.project_name == "Patched"
    assert list(deal.lines.values_list("product_id", "quantity", "unit_price")) == before


def test_partner_replaces_draft_through_the_api(api_client, partner_user):
    # given a draft
    deal = DealFactory(partner=partner_user.partner, registered_by=partner_user)
    product = ProductFactory()
    payload = {
        "customer_name": "Acme Trading Ltd",
        "customer_region": "CN-SH",
        "project_name": "Replaced",
        "currency": "CNY",
        "expected_close_date": "2027-01-31",
        "lines": [{"product": product.sku, "quantity": 5, "unit_price": "800.00"}],
    }
    # when the partner sends the whole draft with PUT
    api_client.force_authenticate(partner_user)
    response = api_client.put(f"/api/v1/deals/{deal.pk}/", payload, format="json")
    # then the draft and its lines are replaced
    assert response.status_code == 200, response.data
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.project_name == "Replaced"
    line = deal.lines.get()
    assert (line.product_id, line.quantity, line.unit_price) == (product.pk, 5, Decimal("800.00"))
