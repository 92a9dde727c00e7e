"""Two partners submitting the same customer at the same instant (DESIGN §4.2 race safety)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from deals import services
from deals.choices import DealStatus
from deals.models import Deal

from .factories import DealFactory, ProductFactory


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

    monkeypatch.setattr(services, "deal_conflict_find", slow_find)
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
