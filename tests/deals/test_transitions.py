"""The registration state machine (DESIGN §4.1): every transition from every state, allowed or
refused, and a notification for every decision that affects someone (DESIGN §8)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.choices import Role
from core.models import Notification
from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from tests.factories import staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def in_state(status: str) -> Deal:
    deal = DealFactory()
    if status != DealStatus.DRAFT:
        Deal.objects.filter(pk=deal.pk).update(
            status=status,
            submitted_at=timezone.now(),
            protection_ends_at=timezone.now() + datetime.timedelta(days=30)
            if status == DealStatus.APPROVED
            else None,
        )
        deal.refresh_from_db()
    return deal


def act(action: str, deal: Deal) -> Deal:
    director = staff(Role.CHANNEL_DIRECTOR)
    user = deal.registered_by
    calls = {
        "submit": lambda: services.deal_submit(deal=deal, actor=user),
        "approve": lambda: services.deal_approve(deal=deal, actor=director, reason="ok"),
        "reject": lambda: services.deal_reject(deal=deal, actor=director, reason="no"),
        "extension": lambda: services.deal_extension_request(
            deal=deal, actor=user, justification="tender delayed"
        ),
        "won": lambda: services.deal_close_won(
            deal=deal,
            actor=user,
            order_number="PO-9",
            closed_on=datetime.date(2026, 6, 1),
            lines=[{"product": ProductFactory(), "quantity": 1, "unit_price": Decimal("900")}],
        ),
        "lost": lambda: services.deal_close_lost(deal=deal, actor=user, reason="budget cut"),
    }
    return calls[action]()


ALLOWED = {
    DealStatus.DRAFT: {"submit"},
    DealStatus.SUBMITTED: {"approve", "reject"},
    DealStatus.IN_CONFLICT: {"approve", "reject"},
    DealStatus.APPROVED: {"extension", "won", "lost"},
    DealStatus.REJECTED: set(),
    DealStatus.WON: set(),
    DealStatus.LOST: set(),
    DealStatus.EXPIRED: set(),
}
RESULT = {
    "submit": DealStatus.SUBMITTED,
    "approve": DealStatus.APPROVED,
    "reject": DealStatus.REJECTED,
    "extension": DealStatus.APPROVED,
    "won": DealStatus.WON,
    "lost": DealStatus.LOST,
}
CASES = [(status, action) for status in ALLOWED for action in RESULT]


@pytest.mark.parametrize(("status", "action"), CASES)
def test_transition_is_allowed_only_from_its_states(status, action):
    deal = in_state(status)
    if action in ALLOWED[status]:
        assert act(action, deal).status == RESULT[action]
    else:
        with pytest.raises(ValidationError):
            act(action, deal)
        deal.refresh_from_db()
        assert deal.status == status


@pytest.mark.parametrize(
    ("action", "kind", "to_partner"),
    [
        ("approve", "deal.approved", True),
        ("reject", "deal.rejected", True),
    ],
)
def test_each_decision_notifies_the_partner(action, kind, to_partner):
    deal = in_state(DealStatus.SUBMITTED)
    act(action, deal)
    assert Notification.objects.filter(kind=kind, recipient=deal.registered_by).exists()


@pytest.mark.parametrize(("action", "kind"), [("won", "deal.won"), ("lost", "deal.lost")])
def test_outcomes_notify_the_channel_manager(action, kind):
    deal = in_state(DealStatus.APPROVED)
    manager = staff()
    deal.partner.channel_manager = manager
    deal.partner.save()
    act(action, deal)
    assert Notification.objects.filter(kind=kind, recipient=manager).exists()


def test_extension_request_and_decision_notify_both_sides():
    deal = in_state(DealStatus.APPROVED)
    manager = staff()
    deal.partner.channel_manager = manager
    deal.partner.save()
    deal = act("extension", deal)
    assert Notification.objects.filter(kind="deal.extension_requested", recipient=manager).exists()
    services.deal_extension_decide(deal=deal, actor=staff(Role.CHANNEL_DIRECTOR), approve=False)
    assert Notification.objects.filter(
        kind="deal.extension_decided", recipient=deal.registered_by
    ).exists()


def test_protection_expiring_within_14_days_is_announced_once():
    t0 = datetime.datetime(2026, 5, 4, 7, 0, tzinfo=datetime.UTC)
    with time_machine.travel(t0, tick=False):
        deal = services.deal_approve(
            deal=services.deal_submit(deal=(d := DealFactory()), actor=d.registered_by),
            actor=staff(Role.CHANNEL_DIRECTOR),
        )
    ends = deal.protection_ends_at
    with time_machine.travel(ends - datetime.timedelta(days=15), tick=False):
        assert services.deal_warn_expiring() == 0
    with time_machine.travel(ends - datetime.timedelta(days=14), tick=False):
        assert services.deal_warn_expiring() == 1
        assert services.deal_warn_expiring() == 0
    assert (
        Notification.objects.filter(kind="deal.expiring", recipient=deal.registered_by).count() == 1
    )
    with time_machine.travel(ends, tick=False):
        assert services.deal_expire_stale() == 1
    deal.refresh_from_db()
    assert deal.status == DealStatus.EXPIRED
    assert Notification.objects.filter(kind="deal.expired", recipient=deal.registered_by).exists()
