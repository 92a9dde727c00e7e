"""Two partners accepting one open lead at the same instant (DESIGN §4.6: first to accept wins)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.choices import Role
from deals import services
from deals.choices import LeadOfferStatus, LeadStatus
from deals.models import Deal, Lead
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_of_one_lead_give_it_to_exactly_one_partner(monkeypatch):
    # given an open lead offered to two Silver partners of the region
    partners = [PartnerFactory(tier=tier("silver"), regions=["CN-ZJ"]) for _ in range(2)]
    sellers = [PartnerUserFactory(partner=p, role=Role.PARTNER_SALES) for p in partners]
    lead = services.lead_publish(
        actor=staff(),
        data={
            "customer_name": "杭州蓝海数据有限公司",
            "customer_region": "CN-ZJ",
            "project_name": "Data centre refresh",
            "estimated_value": "1200000",
            "currency": "CNY",
        },
    )
    assert lead.status == LeadStatus.OPEN
    # widen the race window: each accept lingers between its checks and its commit
    original = Deal.objects.create

    def slow_create(**kwargs):
        deal = original(**kwargs)
        time.sleep(0.5)
        return deal

    monkeypatch.setattr(Deal.objects, "create", slow_create)
    barrier = threading.Barrier(2)
    won, refused, errors = [], [], []

    def accept(user):
        try:
            barrier.wait(timeout=10)
            won.append(services.lead_accept(lead_id=lead.pk, actor=user))
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when both accept at once on their own database connections
    threads = [threading.Thread(target=accept, args=(u,)) for u in sellers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    # then exactly one partner gets the lead and its registration; the other is refused
    assert not errors
    assert (len(won), len(refused)) == (1, 1)
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status == LeadStatus.ACCEPTED
    assert Deal.objects.count() == 1
    assert lead.deal.partner_id == won[0].partner_id == lead.accepted_partner_id
    assert lead.offers.filter(status=LeadOfferStatus.ACCEPTED).count() == 1
