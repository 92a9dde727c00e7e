from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.choices import Role
from core.models import AuditEvent, Notification
from settlement import services
from settlement.choices import StatementState
from settlement.models import SettlementPolicy, Statement, StatementApproval, StatementLine
from tests.factories import PartnerUserFactory, staff

from .factories import approved_statement, built_statement, fx, published_statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("payable", "required"),
    [("999999.99", 1), ("1000000.00", 3), ("2500000.00", 3), ("-5000.00", 1)],
)
def test_countersign_threshold_table(partner, payable, required):
    statement = built_statement(partner, payable)
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    assert statement.required_approvals == required


def test_foreign_currency_statement_at_threshold_needs_countersign(partner):
    fx("EUR", "CNY", "8.00")
    partner.contract_currency = "EUR"
    partner.save()
    statement = built_statement(partner, "125000.00")  # = 1,000,000 CNY
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    assert statement.required_approvals == 3


def test_foreign_currency_statement_below_threshold_needs_one(partner):
    fx("EUR", "CNY", "8.00")
    partner.contract_currency = "EUR"
    partner.save()
    statement = built_statement(partner, "124999.99")
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    assert statement.required_approvals == 1


def test_threshold_is_configurable(partner):
    policy = SettlementPolicy.current()
    policy.countersign_threshold = Decimal("100.00")
    policy.save()
    statement = built_statement(partner, "100.00")
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    assert statement.required_approvals == 3


def test_countersigned_statement_needs_three_distinct_approvers(partner):
    # given
    statement = built_statement(partner, "1500000.00")
    preparer = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    first, second, third = staff(Role.FINANCE), staff(Role.CFO), staff(Role.FINANCE)
    # when / then
    services.statement_approve(statement=statement, actor=first)
    with pytest.raises(ValidationError):
        services.statement_approve(statement=statement, actor=first)
    services.statement_approve(statement=statement, actor=second)
    statement.refresh_from_db()
    assert statement.state == StatementState.IN_REVIEW
    services.statement_approve(statement=statement, actor=third)
    statement.refresh_from_db()
    assert statement.state == StatementState.APPROVED
    assert statement.approvals.count() == 3


def test_small_statement_needs_one_finance_approver(partner):
    statement = built_statement(partner, "500.00")
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    services.statement_approve(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    assert statement.state == StatementState.APPROVED


def test_preparer_cannot_approve(partner):
    statement = built_statement(partner)
    preparer = staff(Role.FINANCE)
    services.statement_submit(statement=statement, actor=preparer)
    with pytest.raises(ValidationError):
        services.statement_approve(statement=statement, actor=preparer)
    assert not StatementApproval.objects.exists()


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.LEGAL, Role.PARTNER_FINANCE])
def test_only_finance_approves(partner, role):
    statement = built_statement(partner)
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    actor = (
        PartnerUserFactory(partner=partner, role=role)
        if role.startswith("partner")
        else staff(role)
    )
    with pytest.raises(ValidationError):
        services.statement_approve(statement=statement, actor=actor)
    statement.refresh_from_db()
    assert statement.state == StatementState.IN_REVIEW


def test_approving_a_draft_is_refused(partner):
    statement = built_statement(partner)
    with pytest.raises(ValidationError):
        services.statement_approve(statement=statement, actor=staff(Role.FINANCE))


def test_return_to_draft_needs_a_note(partner):
    statement = built_statement(partner)
    services.statement_submit(statement=statement, actor=staff(Role.FINANCE))
    with pytest.raises(ValidationError):
        services.statement_return(statement=statement, actor=staff(Role.FINANCE), note=" ")
    services.statement_return(statement=statement, actor=staff(Role.FINANCE), note="Wrong FX")
    statement.refresh_from_db()
    assert statement.state == StatementState.DRAFT


def test_approved_statement_figures_and_lines_are_immutable_in_the_database(partner):
    statement = approved_statement(partner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(payable=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(statement=statement).update(amount=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(statement=statement).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        line = statement.lines.get()
        line.pk = None
        line.entry = None
        line.save()
    statement.refresh_from_db()
    assert statement.payable == Decimal("100.00")
    assert statement.lines.count() == 1


def test_draft_figures_may_still_change(partner):
    statement = built_statement(partner)
    Statement.objects.filter(pk=statement.pk).update(tax_rate=Decimal("0.01"))
    StatementLine.objects.filter(statement=statement).update(description="Renamed")


def test_approvals_are_append_only(partner):
    statement = approved_statement(partner)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementApproval.objects.filter(statement=statement).delete()


def test_full_lifecycle_is_audited_and_notifies_the_partner(partner, partner_user):
    # given
    statement = approved_statement(partner)
    finance = staff(Role.FINANCE)
    # when
    services.statement_publish(statement=statement, actor=finance)
    services.statement_confirm(statement=statement, actor=partner_user)
    services.statement_mark_paid(statement=statement, actor=finance)
    services.statement_close(statement=statement, actor=finance)
    # then
    statement.refresh_from_db()
    assert statement.state == StatementState.CLOSED
    actions = list(
        AuditEvent.objects.filter(action__startswith="statement.").values_list("action", flat=True)
    )
    for action in ["built", "submitted", "approved", "published", "confirmed", "paid", "closed"]:
        assert f"statement.{action}" in actions
    assert Notification.objects.filter(recipient=partner_user, kind="statement.published").exists()
    assert Notification.objects.filter(recipient=finance, kind="statement.confirmed").exists()


def test_publication_opens_a_seven_business_day_window(partner):
    statement = published_statement(partner)
    assert statement.published_at is not None
    assert (statement.response_due_at - statement.published_at).days >= 7


def test_another_partner_cannot_confirm(partner, other_partner_user):
    statement = published_statement(partner)
    with pytest.raises(ValidationError):
        services.statement_confirm(statement=statement, actor=other_partner_user)
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


@pytest.mark.parametrize(
    "service", ["statement_publish", "statement_mark_paid", "statement_close", "statement_submit"]
)
def test_out_of_order_transitions_are_refused(partner, service):
    statement = published_statement(partner)
    with pytest.raises(ValidationError):
        getattr(services, service)(statement=statement, actor=staff(Role.FINANCE))
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED
