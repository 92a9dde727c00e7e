"""Reviewing flags (DESIGN §11, §2.7, §6.1): confirm or dismiss with a reason, graduated
penalties within 12 months, the deduction on the next statement, the director's freeze decision."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.choices import Role
from core.models import AuditEvent, FxRate, Notification
from core.periods import Quarter
from inventory.choices import FlagKind, FlagStatus, PenaltyStep
from inventory.models import InventoryFlag, InventoryFlagPolicy, InventoryPenalty
from inventory.services import (
    flag_confirm,
    flag_dismiss,
    flag_policy_update,
    penalty_freeze_decide,
)
from partners.choices import PartnerStatus, ViolationKind, ViolationStatus
from settlement.choices import EntryKind
from settlement.models import SettlementEntry
from settlement.services import statement_build
from tests.factories import PartnerFactory, PartnerUserFactory, staff
from tests.inventory.factories import InventoryReportFactory, SellThroughLineFactory

pytestmark = pytest.mark.django_db


def flag_for(partner, kind=FlagKind.CROSS_REGION, **fields) -> InventoryFlag:
    # One report a month: each flag gets a line of its own month.
    n = InventoryFlag.objects.count()
    report = InventoryReportFactory(
        partner=partner, month=datetime.date(2020 + n // 12, n % 12 + 1, 1)
    )
    line = SellThroughLineFactory(report=report, partner=partner, customer_region="CN-BJ")
    return InventoryFlag.objects.create(
        partner=partner,
        line=line,
        kind=kind,
        evidence={"territory": ["CN-SH"], "customer_region": "CN-BJ"},
        **fields,
    )


def earlier_penalty(partner, *, ago: relativedelta) -> InventoryPenalty:
    flag = flag_for(partner, status=FlagStatus.CONFIRMED)
    penalty = InventoryPenalty.objects.create(partner=partner, flag=flag, step=PenaltyStep.WARNING)
    InventoryPenalty.objects.filter(pk=penalty.pk).update(created_at=timezone.now() - ago)
    return penalty


@pytest.fixture
def manager():
    return staff(Role.CHANNEL_MANAGER)


@pytest.fixture
def partner(manager):
    return PartnerFactory(contract_currency="CNY", channel_manager=manager)


@pytest.fixture
def director():
    return staff(Role.CHANNEL_DIRECTOR)


# --- confirm: violation and graduated penalties -----------------------------------------------
def test_a_first_confirmed_flag_is_a_warning_with_an_open_violation(partner, director):
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    flag = flag_for(partner)
    penalty = flag_confirm(flag=flag, actor=director, reason="Sold in Beijing")
    flag.refresh_from_db()
    assert penalty.step == PenaltyStep.WARNING and penalty.amount is None
    assert flag.status == FlagStatus.CONFIRMED and flag.review_reason == "Sold in Beijing"
    assert flag.violation.kind == ViolationKind.CROSS_REGION
    assert flag.violation.status == ViolationStatus.OPEN
    assert not SettlementEntry.objects.exists()
    assert AuditEvent.objects.filter(action="inventory_flag.confirmed").exists()
    [note] = Notification.objects.filter(recipient=admin, kind="inventory.flag_decided")
    assert "Warning" in note.title


@pytest.mark.parametrize(
    ("kind", "violation"),
    [
        (FlagKind.CROSS_REGION, ViolationKind.CROSS_REGION),
        (FlagKind.BELOW_FLOOR, ViolationKind.BELOW_FLOOR),
        (FlagKind.SERIAL_CLASH, ViolationKind.OTHER),
    ],
)
def test_each_kind_of_flag_records_its_kind_of_violation(partner, director, kind, violation):
    other = PartnerFactory(legal_name="Secret Rival Ltd")
    flag = flag_for(partner, kind=kind, other_partner=other)
    flag_confirm(flag=flag, actor=director, reason="Confirmed")
    flag.refresh_from_db()
    assert flag.violation.kind == violation
    assert "Secret Rival" not in flag.violation.description


def test_a_second_within_12_months_queues_a_deduction_for_the_next_statement(partner, director):
    # given a warning 11 months ago and a deduction of 5,000 CNY in the settings
    earlier_penalty(partner, ago=relativedelta(months=11))
    flag_policy_update(
        actor=staff(Role.FINANCE),
        values={"deduction_amount": Decimal("5000.00"), "deduction_currency": "CNY"},
    )
    # when a second flag is confirmed
    penalty = flag_confirm(flag=flag_for(partner), actor=director, reason="Again")
    # then the deduction is queued for the statement of the current quarter, negative
    assert penalty.step == PenaltyStep.DEDUCTION
    assert penalty.amount == Decimal("5000.00") and penalty.currency == "CNY"
    [entry] = SettlementEntry.objects.filter(kind=EntryKind.PENALTY)
    assert entry.amount == Decimal("-5000.00") and entry.partner == partner
    assert entry.period == str(Quarter.containing(timezone.localdate()))
    assert entry.source_type == "inventory.penalty" and entry.source_id == str(penalty.pk)
    # and the violation carries the penalty
    assert penalty.flag.violation.penalty == Decimal("5000.00")


def test_the_deduction_lands_on_the_built_statement_as_an_adjustment_line(partner, director):
    earlier_penalty(partner, ago=relativedelta(months=1))
    flag_confirm(flag=flag_for(partner), actor=director, reason="Again")
    statement = statement_build(
        partner=partner, period=str(Quarter.containing(timezone.localdate()))
    )
    [line] = statement.lines.filter(kind=EntryKind.PENALTY)
    assert line.amount == -InventoryFlagPolicy.current().deduction_amount
    assert statement.subtotal == line.amount


def test_the_deduction_converts_into_the_contract_currency(director):
    partner = PartnerFactory(contract_currency="USD")
    FxRate.objects.create(
        base_currency="USD",
        quote_currency="CNY",
        rate_date=timezone.localdate(),
        rate=Decimal("8.00"),
    )
    earlier_penalty(partner, ago=relativedelta(months=1))
    penalty = flag_confirm(flag=flag_for(partner), actor=director, reason="Again")
    assert (penalty.amount, penalty.currency) == (Decimal("1250.00"), "USD")


def test_a_deduction_without_a_rate_refuses_the_confirmation_and_changes_nothing(director):
    partner = PartnerFactory(contract_currency="EUR")
    earlier_penalty(partner, ago=relativedelta(months=1))
    flag = flag_for(partner)
    with pytest.raises(ValidationError, match="cannot be converted"):
        flag_confirm(flag=flag, actor=director, reason="Again")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN and not SettlementEntry.objects.exists()


@pytest.mark.parametrize(
    ("ago", "step"),
    [
        (relativedelta(months=12, days=-1), PenaltyStep.DEDUCTION),
        (relativedelta(months=12, days=1), PenaltyStep.WARNING),
    ],
)
def test_the_12_month_window_boundary(partner, director, ago, step):
    earlier_penalty(partner, ago=ago)
    assert flag_confirm(flag=flag_for(partner), actor=director, reason="x").step == step


def test_a_third_within_12_months_proposes_a_freeze_to_the_directors(partner, manager):
    director = staff(Role.CHANNEL_DIRECTOR)
    earlier_penalty(partner, ago=relativedelta(months=6))
    earlier_penalty(partner, ago=relativedelta(months=2))
    penalty = flag_confirm(flag=flag_for(partner), actor=manager, reason="Third")
    assert penalty.step == PenaltyStep.FREEZE_PROPOSAL and penalty.decided_at is None
    assert Notification.objects.filter(recipient=director, kind="inventory.freeze_proposed")
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE


# --- the freeze proposal ---------------------------------------------------------------------
@pytest.fixture
def proposal(partner, manager):
    earlier_penalty(partner, ago=relativedelta(months=6))
    earlier_penalty(partner, ago=relativedelta(months=2))
    return flag_confirm(flag=flag_for(partner), actor=manager, reason="Third")


def test_the_director_freezes_through_the_partners_freeze(proposal, director):
    penalty_freeze_decide(penalty=proposal, actor=director, decision="frozen", reason="Third one")
    proposal.refresh_from_db()
    proposal.partner.refresh_from_db()
    assert proposal.decision == "frozen" and proposal.decided_by == director
    assert proposal.partner.status == PartnerStatus.FROZEN
    assert proposal.partner.freezes.get().reason == "Third one"


def test_the_director_declines_with_a_reason_and_nothing_is_frozen(proposal, director):
    penalty_freeze_decide(penalty=proposal, actor=director, decision="declined", reason="Seasonal")
    proposal.refresh_from_db()
    assert proposal.decision == "declined" and proposal.decision_reason == "Seasonal"
    assert proposal.partner.status == PartnerStatus.ACTIVE


def test_a_manager_cannot_decide_and_a_second_decision_is_answered_clearly(
    proposal, manager, director
):
    with pytest.raises(ValidationError, match="channel director"):
        penalty_freeze_decide(penalty=proposal, actor=manager, decision="frozen", reason="x")
    penalty_freeze_decide(penalty=proposal, actor=director, decision="declined", reason="No")
    with pytest.raises(ValidationError, match="already decided"):
        penalty_freeze_decide(penalty=proposal, actor=director, decision="frozen", reason="x")


# --- dismiss, reasons, stale clicks, who may review ------------------------------------------
def test_dismiss_needs_a_reason_and_notifies_the_partner_admins(partner, director):
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    flag = flag_for(partner)
    with pytest.raises(ValidationError):
        flag_dismiss(flag=flag, actor=director, reason="  ")
    flag_dismiss(flag=flag, actor=director, reason="Customer moved")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED and not InventoryPenalty.objects.exists()
    assert Notification.objects.filter(recipient=admin, kind="inventory.flag_decided")


def test_confirm_needs_a_reason(partner, director):
    with pytest.raises(ValidationError):
        flag_confirm(flag=flag_for(partner), actor=director, reason="")


def test_a_second_click_on_a_reviewed_flag_says_what_happened(partner, director):
    flag = flag_for(partner)
    flag_confirm(flag=flag, actor=director, reason="Yes")
    with pytest.raises(ValidationError, match="already confirmed"):
        flag_dismiss(flag=flag, actor=staff(Role.CHANNEL_DIRECTOR), reason="No")
    assert InventoryPenalty.objects.filter(flag=flag).count() == 1


def test_a_manager_reviews_only_the_partners_they_manage(partner, manager):
    someone_elses = PartnerFactory(channel_manager=staff(Role.CHANNEL_MANAGER))
    with pytest.raises(ValidationError, match="may not review"):
        flag_confirm(flag=flag_for(someone_elses), actor=manager, reason="x")
    flag_confirm(flag=flag_for(partner), actor=manager, reason="x")


def test_finance_edits_the_deduction_with_an_audit_row_and_a_manager_cannot(manager):
    with pytest.raises(ValidationError):
        flag_policy_update(actor=manager, values={"deduction_amount": Decimal("1")})
    flag_policy_update(actor=staff(Role.FINANCE), values={"deduction_amount": Decimal("1")})
    assert InventoryFlagPolicy.current().deduction_amount == Decimal("1")
    assert AuditEvent.objects.filter(action="inventory_flag_policy.changed").exists()


# --- outside a test transaction --------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_confirm_commits_violation_penalty_and_entry_together():
    # given a partner with one warning already
    partner = PartnerFactory()
    director = staff(Role.CHANNEL_DIRECTOR)
    earlier_penalty(partner, ago=relativedelta(months=3))
    flag = flag_for(partner)
    # when a failing confirmation (no reason) and then a real one run in their own transactions
    with pytest.raises(ValidationError):
        flag_confirm(flag=flag, actor=director, reason="")
    assert not SettlementEntry.objects.exists()
    flag_confirm(flag=flag, actor=director, reason="Second")
    # then every row of the confirmation is committed
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED and flag.violation_id
    assert SettlementEntry.objects.filter(kind=EntryKind.PENALTY, partner=partner).count() == 1
