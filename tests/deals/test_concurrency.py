"""Two partners submitting the same customer at the same instant (DESIGN §4.2 race safety)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from deals.rules import normalize_customer_name
from deals.services import registration

from .factories import DealFactory, ProductFactory, ProductFamilyFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_customer_leave_only_one_without_conflict(monkeypatch):
    # given two partners' drafts for the same customer and product family
    product = ProductFactory()
    drafts = [
        DealFactory(
            customer_name="Acme Inc.", customer_tax_id="", lines=[(product, 1, Decimal("900"))]
        ),
        DealFactory(
            customer_name="ACME Corp.", customer_tax_id="", lines=[(product, 1, Decimal("900"))]
        ),
    ]
    # widen the race window: each check lingers before its transaction commits
    original = services.deal_conflict_find

    def slow_find(**kwargs):
        found = original(**kwargs)
        time.sleep(0.5)
        return found

    # deal_submit looks the check up in its own module
    monkeypatch.setattr(registration, "deal_conflict_find", slow_find)
    barrier = threading.Barrier(2)
    errors = []

    def submit(deal):
        try:
            barrier.wait(timeout=10)
            services.deal_submit(deal=deal, actor=deal.registered_by)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when both submit at once on their own connections
    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    # then exactly one holds priority and the other is in conflict with it
    assert not errors
    statuses = sorted(
        Deal.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", flat=True)
    )
    assert statuses == [DealStatus.IN_CONFLICT, DealStatus.SUBMITTED]
    later = Deal.objects.get(status=DealStatus.IN_CONFLICT)
    assert later.conflict_with.status == DealStatus.SUBMITTED


def _submit_at_once(drafts, monkeypatch) -> list[Exception]:
    """Submit the drafts from parallel threads, each check lingering before its commit."""
    original = services.deal_conflict_find

    def slow_find(**kwargs):
        found = original(**kwargs)
        time.sleep(0.5)
        return found

    # deal_submit looks the check up in its own module
    monkeypatch.setattr(registration, "deal_conflict_find", slow_find)
    barrier = threading.Barrier(len(drafts))
    errors = []

    def submit(deal):
        try:
            barrier.wait(timeout=10)
            services.deal_submit(deal=deal, actor=deal.registered_by)
        except Exception as exc:  # surfaced by the callers' assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Contoso Trading Ltd", "Contoso Tradings Ltd"),
        ("Northwind Traders LLC", "Northwind Trader, L.L.C."),
    ],
)
def test_concurrent_near_duplicate_customers_leave_only_one_protected(monkeypatch, first, second):
    # given two partners' drafts for near-duplicate names (different fingerprints) and one family
    product = ProductFactory()
    drafts = [
        DealFactory(customer_name=name, customer_tax_id="", lines=[(product, 1, Decimal("900"))])
        for name in (first, second)
    ]
    fingerprints = {normalize_customer_name(name) for name in (first, second)}
    assert len(fingerprints) == 2

    # when both submit at once on their own connections
    errors = _submit_at_once(drafts, monkeypatch)

    # then exactly one holds priority and the other is in conflict with it
    assert not errors
    deals = Deal.objects.filter(pk__in=[d.pk for d in drafts])
    assert sorted(deals.values_list("status", flat=True)) == [
        DealStatus.IN_CONFLICT,
        DealStatus.SUBMITTED,
    ]
    later = deals.get(status=DealStatus.IN_CONFLICT)
    assert later.conflict_with == deals.get(status=DealStatus.SUBMITTED)


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_touching_families_in_opposite_orders_do_not_deadlock(
    monkeypatch,
):
    # given two drafts whose lines list two product families in opposite orders
    switch = ProductFactory(family=ProductFamilyFactory(code="switch"))
    router = ProductFactory(family=ProductFamilyFactory(code="router", name="Routers"))
    drafts = [
        DealFactory(
            customer_name="Fabrikam Logistics GmbH",
            lines=[(switch, 1, Decimal("900")), (router, 1, Decimal("900"))],
        ),
        DealFactory(
            customer_name="Fabrikam Logistic GmbH",
            lines=[(router, 1, Decimal("900")), (switch, 1, Decimal("900"))],
        ),
    ]

    # when both submit at once
    errors = _submit_at_once(drafts, monkeypatch)

    # then both finish (no deadlock) and only the first keeps priority
    assert not errors
    statuses = sorted(
        Deal.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", flat=True)
    )
    assert statuses == [DealStatus.IN_CONFLICT, DealStatus.SUBMITTED]
