"""Registration, conflicts, approval, SLA, outcome (DESIGN §4.1–4.5)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.choices import Role
from core.models import AuditEvent, Notification
from deals import services
from deals.choices import DealStatus
from deals.models import Deal, DealSettings
from deals.selectors import won_deal_lines
from partners.choices import ViolationKind, ViolationStatus
from partners.models import ComplianceViolation
from tests.factories import PartnerFactory, staff, tier

from .factories import DealFactory, ProductFactory, ProductFamilyFactory

pytestmark = pytest.mark.django_db


def submitted(**kwargs) -> Deal:
    deal = DealFactory(**kwargs)
    return services.deal_submit(deal=deal, actor=deal.registered_by)


def test_submit_fingerprints_and_starts_sla():
    deal = submitted(customer_name="上海华东信息科技股份有限公司")
    assert deal.status == DealStatus.SUBMITTED
    assert deal.customer_fingerprint == "上海华东信息"
    assert deal.sla_due_at > deal.submitted_at
    assert AuditEvent.objects.filter(action="deal.submitted", object_id=str(deal.pk)).exists()


def test_submit_refused_without_lines():
    deal = DealFactory(lines=[])
    deal.lines.all().delete()
    with pytest.raises(ValidationError):
        services.deal_submit(deal=deal, actor=deal.registered_by)
    deal.refresh_from_db()
    assert deal.status == DealStatus.DRAFT


def test_submit_refused_twice():
    deal = submitted()
    with pytest.raises(ValidationError):
        services.deal_submit(deal=deal, actor=deal.registered_by)


def test_later_registration_of_similar_name_by_another_partner_is_in_conflict():
    product = ProductFactory()
    first = submitted(
        customer_name="上海华东信息科技有限公司", lines=[(product, 1, Decimal("900"))]
    )
    later = submitted(
        customer_name="上海华东信息科技股份有限公司", lines=[(product, 1, Decimal("900"))]
    )
    assert first.status == DealStatus.SUBMITTED
    assert later.status == DealStatus.IN_CONFLICT
    assert later.conflict_with_id == first.pk


def test_same_tax_id_conflicts_even_with_different_names():
    first = submitted(customer_name="Acme Inc.", customer_tax_id="91310000AB12")
    later = submitted(customer_name="Totally Different Ltd", customer_tax_id="9131-0000-ab12")
    assert later.conflict_with_id == first.pk


def test_no_conflict_with_the_same_partner():
    first = submitted(customer_name="Acme Inc.")
    later = submitted(customer_name="Acme Inc.", partner=first.partner)
    assert later.status == DealStatus.SUBMITTED


def test_no_conflict_when_no_product_family_is_shared():
    submitted(
        customer_name="Acme Inc.",
        lines=[(ProductFactory(family=ProductFamilyFactory(code="a")), 1, 1)],
    )
    later = submitted(
        customer_name="Acme Inc.",
        lines=[(ProductFactory(family=ProductFamilyFactory(code="b")), 1, 1)],
    )
    assert later.status == DealStatus.SUBMITTED


def test_no_conflict_with_closed_or_expired_protection():
    first = submitted(customer_name="Acme Inc.")
    Deal.objects.filter(pk=first.pk).update(
        status=DealStatus.APPROVED, protection_ends_at=timezone.now() - datetime.timedelta(days=1)
    )
    later = submitted(customer_name="Acme Inc.")
    assert later.status == DealStatus.SUBMITTED


def test_no_conflict_for_different_customer():
    submitted(customer_name="Northwind Traders LLC")
    later = submitted(customer_name="Southwind Traders LLC")
    assert later.status == DealStatus.SUBMITTED


def test_threshold_is_configurable():
    DealSettings.objects.create(similarity_threshold=Decimal("0.40"))
    first = submitted(customer_name="Northwind Traders LLC")
    later = submitted(customer_name="Southwind Traders LLC")
    assert later.conflict_with_id == first.pk


def test_conflicted_partner_is_told_without_the_other_identity():
    first = submitted(customer_name="Acme Inc.")
    later = submitted(customer_name="ACME Corp.")
    notes = Notification.objects.filter(recipient__partner=later.partner)
    assert notes.filter(kind="deal.in_conflict").exists()
    for note in notes:
        assert first.partner.legal_name not in note.title + note.body
        assert first.project_name not in note.title + note.body


def test_manager_approves_with_tier_protection_days():
    deal = submitted()
    director = staff(Role.CHANNEL_DIRECTOR)
    deal = services.deal_approve(deal=deal, actor=director)
    assert deal.status == DealStatus.APPROVED
    days = deal.partner.tier.protection_days
    assert abs(
        (deal.protection_ends_at - deal.decided_at) - datetime.timedelta(days=days)
    ) < datetime.timedelta(seconds=1)
    assert AuditEvent.objects.filter(action="deal.approved").exists()
    assert Notification.objects.filter(
        kind="deal.approved", recipient__partner=deal.partner
    ).exists()


def test_manager_of_another_partner_cannot_decide():
    deal = submitted()
    outsider = staff(Role.CHANNEL_MANAGER)
    with pytest.raises(PermissionDenied):
        services.deal_approve(deal=deal, actor=outsider)


def test_owning_manager_can_approve():
    manager = staff(Role.CHANNEL_MANAGER)
    deal = submitted(partner=PartnerFactory(channel_manager=manager))
    assert services.deal_approve(deal=deal, actor=manager).status == DealStatus.APPROVED


def test_conflict_approval_needs_a_reason():
    submitted(customer_name="Acme Inc.")
    later = submitted(customer_name="Acme Inc")
    director = staff(Role.CHANNEL_DIRECTOR)
    with pytest.raises(ValidationError):
        services.deal_approve(deal=later, actor=director, reason="")
    later.refresh_from_db()
    assert later.status == DealStatus.IN_CONFLICT
    assert (
        services.deal_approve(deal=later, actor=director, reason="Different sites").status
        == DealStatus.APPROVED
    )


def test_reject_needs_a_reason():
    deal = submitted()
    director = staff(Role.CHANNEL_DIRECTOR)
    with pytest.raises(ValidationError):
        services.deal_reject(deal=deal, actor=director, reason=" ")
    assert (
        services.deal_reject(deal=deal, actor=director, reason="dup").status == DealStatus.REJECTED
    )


def test_cross_region_is_flagged_and_needs_director():
    manager = staff(Role.CHANNEL_MANAGER)
    deal = submitted(
        partner=PartnerFactory(channel_manager=manager, regions=["CN-SH"]), customer_region="CN-BJ"
    )
    assert deal.cross_region
    violation = ComplianceViolation.objects.get(partner=deal.partner)
    assert (violation.kind, violation.status) == (ViolationKind.CROSS_REGION, ViolationStatus.DRAFT)
    with pytest.raises(ValidationError):
        services.deal_approve(deal=deal, actor=manager)
    assert (
        services.deal_approve(deal=deal, actor=staff(Role.CHANNEL_DIRECTOR)).status
        == DealStatus.APPROVED
    )


def test_below_floor_line_is_flagged_and_needs_director():
    manager = staff(Role.CHANNEL_MANAGER)
    product = ProductFactory(floor_price=Decimal("600"))
    deal = submitted(
        partner=PartnerFactory(channel_manager=manager), lines=[(product, 1, Decimal("599.99"))]
    )
    assert deal.below_floor
    violation = ComplianceViolation.objects.get(partner=deal.partner)
    assert (violation.kind, violation.status) == (ViolationKind.BELOW_FLOOR, ViolationStatus.DRAFT)
    with pytest.raises(ValidationError):
        services.deal_approve(deal=deal, actor=manager)


def test_line_at_floor_is_not_flagged():
    product = ProductFactory(floor_price=Decimal("600"))
    assert not submitted(lines=[(product, 1, Decimal("600.00"))]).below_floor


def approved(name: str = "上海华东信息科技有限公司") -> Deal:
    return services.deal_approve(
        deal=submitted(customer_name=name), actor=staff(Role.CHANNEL_DIRECTOR)
    )


def test_one_extension_of_thirty_days():
    deal = approved()
    before = deal.protection_ends_at
    deal = services.deal_extension_request(
        deal=deal, actor=deal.registered_by, justification="Tender delayed"
    )
    with pytest.raises(ValidationError):
        services.deal_extension_request(deal=deal, actor=deal.registered_by, justification="again")
    deal = services.deal_extension_decide(
        deal=deal, actor=staff(Role.CHANNEL_DIRECTOR), approve=True
    )
    assert deal.protection_ends_at - before == datetime.timedelta(days=30)
    with pytest.raises(ValidationError):
        services.deal_extension_decide(deal=deal, actor=staff(Role.CHANNEL_DIRECTOR), approve=True)


def test_extension_needs_justification():
    deal = approved()
    with pytest.raises(ValidationError):
        services.deal_extension_request(deal=deal, actor=deal.registered_by, justification="")


def test_won_lines_feed_rebates():
    deal = approved()
    product = ProductFactory()
    services.deal_close_won(
        deal=deal,
        actor=deal.registered_by,
        order_number="PO-1",
        closed_on=datetime.date(2026, 7, 1),
        lines=[{"product": product, "quantity": 3, "unit_price": Decimal("10.50")}],
    )
    rows = list(won_deal_lines(start=datetime.date(2026, 7, 1), end=datetime.date(2026, 9, 30)))
    assert len(rows) == 1
    assert rows[0]["amount"] == Decimal("31.50")
    assert rows[0]["partner_id"] == deal.partner_id


def test_close_refused_unless_approved():
    deal = submitted()
    with pytest.raises(ValidationError):
        services.deal_close_lost(deal=deal, actor=deal.registered_by, reason="price")


def test_lost_needs_reason():
    deal = approved()
    with pytest.raises(ValidationError):
        services.deal_close_lost(deal=deal, actor=deal.registered_by, reason="")
    assert (
        services.deal_close_lost(deal=deal, actor=deal.registered_by, reason="price").status
        == DealStatus.LOST
    )


def test_nightly_expiry_of_ended_protection():
    deal = approved()
    keep = approved("Fabrikam GmbH")
    Deal.objects.filter(pk=deal.pk).update(
        protection_ends_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.deal_expire_stale() == 1
    deal.refresh_from_db()
    keep.refresh_from_db()
    assert deal.status == DealStatus.EXPIRED
    assert keep.status == DealStatus.APPROVED
    assert services.deal_expire_stale() == 0


def test_overdue_registrations_escalate_once_to_directors():
    director = staff(Role.CHANNEL_DIRECTOR)
    deal = submitted()
    later = deal.sla_due_at + datetime.timedelta(minutes=1)
    assert services.deal_escalate_overdue(now=later) == 1
    assert services.deal_escalate_overdue(now=later) == 0
    assert Notification.objects.filter(recipient=director, kind="deal.escalated").count() == 1


def test_sla_is_two_business_days():
    deal = DealFactory()
    friday = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
    with time_machine.travel(friday, tick=False):
        deal = services.deal_submit(deal=deal, actor=deal.registered_by)
    assert deal.sla_due_at == friday + datetime.timedelta(days=4)


def test_protection_days_come_from_tier():
    partner = PartnerFactory(tier=tier("diamond"))
    deal = services.deal_approve(
        deal=submitted(partner=partner), actor=staff(Role.CHANNEL_DIRECTOR)
    )
    assert (deal.protection_ends_at - deal.decided_at).days == tier("diamond").protection_days
