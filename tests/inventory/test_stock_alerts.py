"""Ageing and stock-out alerts (DESIGN §11): raised once per partner, product, kind and month by
the family's limits, one summary notification per channel manager; the limits page and service."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent, Notification
from inventory.figures import inventory_alerts_raise, inventory_figures_refresh
from inventory.models import FamilyAlertLimit, InventoryAlert, InventoryFigure
from inventory.services.stock import alert_limit_set
from tests.factories import staff

from .stock_world import NOV, build_stock_world

pytestmark = pytest.mark.django_db


def alerts():
    return InventoryAlert.objects.unrestricted("test")


def test_alerts_follow_the_family_limits_and_are_raised_once():
    world = build_stock_world()
    raised = {(a.partner_id, a.product_id, a.kind) for a in alerts()}
    assert raised == {
        (world.home.pk, world.product_a.pk, "ageing"),  # 60.0 days > 50
        (world.home.pk, world.product_b.pk, "stock_out"),  # nothing on hand while it sold
        (world.other.pk, world.product_a.pk, "ageing"),  # 990.0 days
        (world.dealer.pk, world.product_a.pk, "ageing"),  # 400.0 days
    }
    home_a = alerts().get(partner=world.home, kind="ageing")
    assert (home_a.month, home_a.days_of_inventory, home_a.on_hand) == (NOV, Decimal("60.0"), 120)
    # when the refresh and the alert job run again
    inventory_figures_refresh(through=NOV)
    assert inventory_alerts_raise(month=NOV) == 0
    # then nothing new is raised
    assert alerts().count() == 4


def test_the_channel_manager_gets_one_summary_in_their_language():
    world = build_stock_world()
    notes = Notification.objects.filter(recipient=world.manager, kind="inventory.alerts")
    assert notes.count() == 1
    note = notes.get()
    assert note.title_key.startswith("Inventory alerts for %(month)s")
    assert note.params == {"month": "2026-11", "ageing": 1, "stock_out": 1, "partners": 1}
    assert note.url == "/inventory/alerts/?month=2026-11"
    inventory_figures_refresh(through=NOV)
    assert notes.count() == 1  # nothing new, no new notice


def test_raising_a_thousand_alerts_sends_one_notice_per_manager(django_assert_max_num_queries):
    world = build_stock_world(refresh=False)
    inventory_figures_refresh(through=NOV, alerts=False)
    with django_assert_max_num_queries(8):
        assert inventory_alerts_raise(month=NOV) == 4
    assert Notification.objects.filter(kind="inventory.alerts").count() == 1
    assert Notification.objects.get(kind="inventory.alerts").recipient == world.manager


def test_a_director_changes_a_limit_audited_and_the_figures_follow(committed):
    world = build_stock_world()
    director = staff(Role.CHANNEL_DIRECTOR)
    with committed():
        changes = alert_limit_set(
            actor=director, family=world.family, values={"ageing_days": 70, "stock_out_days": 7}
        )
    assert changes == {"ageing_days": {"before": 50, "after": 70}}
    event = AuditEvent.objects.get(action="inventory.alert_limit_changed")
    assert event.actor == director
    home_a = InventoryFigure.objects.unrestricted("test").get(
        partner=world.home, product=world.product_a, month=NOV
    )
    assert home_a.ageing is False  # 60.0 days is no longer above the limit


def test_the_stock_out_limit_must_stay_below_the_ageing_limit():
    world = build_stock_world(refresh=False)
    with pytest.raises(ValidationError) as error:
        alert_limit_set(actor=staff(Role.ADMIN), family=world.family, values={"stock_out_days": 50})
    assert "stock_out_days" in error.value.message_dict
    assert FamilyAlertLimit.objects.get(family=world.family).stock_out_days == 7
    assert not AuditEvent.objects.filter(action="inventory.alert_limit_changed").exists()


def test_a_channel_manager_may_not_change_limits():
    world = build_stock_world(refresh=False)
    with pytest.raises(PermissionDenied):
        alert_limit_set(actor=staff(Role.CHANNEL_MANAGER), family=world.family, values={})


def test_the_limits_page_validates_and_saves(client):
    world = build_stock_world(refresh=False)
    client.force_login(staff(Role.CHANNEL_DIRECTOR))
    url = reverse("inventory:alert_limits")
    prefix = f"f{world.family.pk}"
    bad = client.post(
        url,
        {"family": world.family.pk, f"{prefix}-ageing_days": 30, f"{prefix}-stock_out_days": 30},
    )
    assert bad.status_code == 400
    assert "The stock-out limit must be below the ageing limit." in bad.text
    assert FamilyAlertLimit.objects.get(family=world.family).ageing_days == 50
    good = client.post(
        url,
        {"family": world.family.pk, f"{prefix}-ageing_days": 90, f"{prefix}-stock_out_days": 10},
    )
    assert good.status_code == 302
    limit = FamilyAlertLimit.objects.get(family=world.family)
    assert (limit.ageing_days, limit.stock_out_days) == (90, 10)
    client.force_login(staff(Role.CHANNEL_MANAGER))
    assert client.get(url).status_code == 403


def test_the_limits_page_is_linked_from_settings(client):
    client.force_login(staff(Role.ADMIN))
    response = client.get(reverse("core:settings"))
    assert reverse("inventory:alert_limits") in response.text
