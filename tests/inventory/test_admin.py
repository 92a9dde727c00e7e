"""The admin of channel inventory (DESIGN §1, §11): reports, lines and flags are read-only there;
the days-of-inventory limits per family are configuration, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.choices import Role
from core.models import AuditEvent
from inventory.choices import FlagKind, FlagStatus
from inventory.models import FamilyAlertLimit, InventoryFlag
from tests.deals.factories import ProductFamilyFactory
from tests.factories import UserFactory

from .factories import SellThroughLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(role=Role.ADMIN, is_superuser=True, email="root@vendor.example")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_a_sell_through_line_cannot_be_changed_in_the_admin(admin_client):
    # given a reported line
    line = SellThroughLineFactory(unit_price=Decimal("800.00"), quantity=2)
    url = f"/admin/inventory/sellthroughline/{line.pk}/change/"
    # when an administrator opens it and posts another price and quantity
    page = admin_client.get(url)
    response = admin_client.post(url, {"unit_price": "1.00", "quantity": "99"})
    # then the page is view-only, the post refused, the line as reported
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert response.status_code == 403
    line.refresh_from_db()
    assert (line.unit_price, line.quantity) == (Decimal("800.00"), 2)
    # and it can be neither deleted nor added
    assert admin_client.post(f"/admin/inventory/sellthroughline/{line.pk}/delete/").status_code == (
        403
    )
    assert admin_client.get("/admin/inventory/sellthroughline/add/").status_code == 403


def test_a_flags_status_cannot_be_changed_in_the_admin(admin_client):
    # given an open flag
    line = SellThroughLineFactory()
    flag = InventoryFlag.objects.create(
        partner=line.partner, line=line, kind=FlagKind.CROSS_REGION, evidence={}
    )
    url = f"/admin/inventory/inventoryflag/{flag.pk}/change/"
    # when an administrator posts it as dismissed
    response = admin_client.post(url, {"status": FlagStatus.DISMISSED, "review_reason": "ok"})
    # then refused: a flag is reviewed in its queue, through the service
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN and flag.review_reason == ""
    assert admin_client.get("/admin/inventory/inventoryflag/").status_code == 200


def test_a_family_alert_limit_is_edited_in_the_admin_and_audited(admin_client, superuser):
    # given a family without limits
    family = ProductFamilyFactory(code="router", name="Routers")
    # when an administrator adds its limits, then changes one
    created = admin_client.post(
        "/admin/inventory/familyalertlimit/add/",
        {"family": family.pk, "ageing_days": "90", "stock_out_days": "10"},
    )
    limit = FamilyAlertLimit.objects.get(family=family)
    changed = admin_client.post(
        f"/admin/inventory/familyalertlimit/{limit.pk}/change/",
        {"family": family.pk, "ageing_days": "60", "stock_out_days": "10"},
    )
    # then both are saved and audited with before and after
    assert created.status_code == 302 and changed.status_code == 302
    limit.refresh_from_db()
    assert limit.ageing_days == 60
    event = AuditEvent.objects.get(action="familyalertlimit.changed")
    assert event.actor == superuser
    assert event.changes == {"ageing_days": {"before": 90, "after": 60}}
    assert AuditEvent.objects.filter(action="familyalertlimit.created").exists()
