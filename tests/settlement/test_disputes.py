import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.choices import Role
from core.models import Notification
from settlement import services
from settlement.choices import DisputeState, EntryKind, StatementState
from settlement.models import Dispute, SettlementEntry
from settlement.tasks import statement_deem_confirmed_task
from tests.factories import staff

from .factories import published_statement

pytestmark = pytest.mark.django_db
MONDAY_NOON = datetime.datetime(2026, 10, 5, 12, 0, tzinfo=datetime.UTC)


def _publish_on_monday(partner):
    with time_machine.travel(MONDAY_NOON, tick=False):
        return published_statement(partner)


def test_window_is_seven_business_days_skipping_the_weekend(partner):
    statement = _publish_on_monday(partner)
    assert statement.response_due_at == datetime.datetime(2026, 10, 14, 12, 0, tzinfo=datetime.UTC)


def test_unanswered_statement_is_deemed_confirmed_after_the_window(partner, partner_user):
    # given
    statement = _publish_on_monday(partner)
    # when: the daily job runs on the last day of the window, then the day after
    with time_machine.travel(datetime.datetime(2026, 10, 14, 11, 0, tzinfo=datetime.UTC)):
        assert statement_deem_confirmed_task.delay().get() == 0
    with time_machine.travel(datetime.datetime(2026, 10, 15, 1, 30, tzinfo=datetime.UTC)):
        assert statement_deem_confirmed_task.delay().get() == 1
    # then
    statement.refresh_from_db()
    assert statement.state == StatementState.CONFIRMED
    assert statement.deemed_confirmed
    assert Notification.objects.filter(
        recipient=partner_user, kind="statement.deemed_confirmed"
    ).exists()


def test_disputed_statement_is_not_deemed_confirmed(partner, partner_user):
    statement = _publish_on_monday(partner)
    with time_machine.travel(MONDAY_NOON + datetime.timedelta(days=1)):
        services.statement_dispute(
            statement=statement,
            actor=partner_user,
            line_ids=[statement.lines.get().pk],
            reason="Missing deal",
        )
    assert services.statement_deem_confirmed(now=timezone.now() + datetime.timedelta(days=30)) == 0
    statement.refresh_from_db()
    assert statement.state == StatementState.DISPUTED


def test_dispute_names_lines_of_this_statement_only(partner, other_partner, partner_user):
    statement = published_statement(partner)
    foreign_line = published_statement(other_partner).lines.get()
    with pytest.raises(ValidationError) as error:
        services.statement_dispute(
            statement=statement, actor=partner_user, line_ids=[foreign_line.pk], reason="x"
        )
    assert "lines" in error.value.message_dict
    assert not Dispute.objects.exists()


def test_evidence_must_be_a_document(partner, partner_user):
    statement = published_statement(partner)
    bogus = SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(ValidationError) as error:
        services.statement_dispute(
            statement=statement,
            actor=partner_user,
            line_ids=[statement.lines.get().pk],
            reason="See file",
            files=[bogus],
        )
    assert "evidence" in error.value.message_dict
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_dispute_notifies_finance_and_the_answer_notifies_the_partner(partner, partner_user):
    # given
    finance = staff(Role.FINANCE)
    statement = published_statement(partner)
    dispute = services.statement_dispute(
        statement=statement,
        actor=partner_user,
        line_ids=[statement.lines.get().pk],
        reason="Accrual for deal 42 missing",
    )
    assert Notification.objects.filter(recipient=finance, kind="statement.disputed").exists()
    # when
    services.dispute_resolve(
        dispute=dispute, actor=finance, answer="Agreed", adjustment_amount=Decimal("40.00")
    )
    # then
    assert Notification.objects.filter(
        recipient=partner_user, kind="statement.dispute_answered"
    ).exists()
    entry = SettlementEntry.objects.get(kind=EntryKind.DISPUTE_OUTCOME)
    assert entry.amount == Decimal("40.00")
    assert entry.period == "2026Q4"
    assert entry.statement is None


def test_adjustment_lands_on_the_next_statement_and_the_old_one_stays(partner, partner_user):
    statement = published_statement(partner)
    dispute = services.statement_dispute(
        statement=statement, actor=partner_user, line_ids=[statement.lines.get().pk], reason="x"
    )
    services.dispute_resolve(
        dispute=dispute, actor=staff(Role.FINANCE), answer="ok", adjustment_amount=Decimal("40")
    )
    next_statement = services.statement_build(partner=partner, period="2026Q4")
    statement.refresh_from_db()
    assert statement.payable == Decimal("100.00")
    assert next_statement.lines.get().kind == EntryKind.DISPUTE_OUTCOME
    assert next_statement.payable == Decimal("40.00")


def test_paying_needs_the_dispute_resolved_first(partner, partner_user):
    finance = staff(Role.FINANCE)
    statement = published_statement(partner)
    dispute = services.statement_dispute(
        statement=statement, actor=partner_user, line_ids=[statement.lines.get().pk], reason="x"
    )
    with pytest.raises(ValidationError):
        services.statement_mark_paid(statement=statement, actor=finance)
    services.dispute_resolve(dispute=dispute, actor=finance, answer="Rejected: rate is correct")
    services.statement_mark_paid(statement=statement, actor=finance)
    statement.refresh_from_db()
    assert statement.state == StatementState.PAID
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.RESOLVED
    assert not SettlementEntry.objects.filter(kind=EntryKind.DISPUTE_OUTCOME).exists()


def test_a_dispute_is_resolved_once(partner, partner_user):
    finance = staff(Role.FINANCE)
    statement = published_statement(partner)
    dispute = services.statement_dispute(
        statement=statement, actor=partner_user, line_ids=[statement.lines.get().pk], reason="x"
    )
    services.dispute_resolve(dispute=dispute, actor=finance, answer="ok")
    with pytest.raises(ValidationError):
        services.dispute_resolve(dispute=dispute, actor=finance, answer="again")


def test_partner_cannot_resolve_disputes(partner, partner_user):
    statement = published_statement(partner)
    dispute = services.statement_dispute(
        statement=statement, actor=partner_user, line_ids=[statement.lines.get().pk], reason="x"
    )
    with pytest.raises(ValidationError):
        services.dispute_resolve(dispute=dispute, actor=partner_user, answer="self-serve")


def test_percent_signs_in_the_reason_and_answer_are_kept_as_written(partner, partner_user):
    # given
    statement = published_statement(partner)
    # when
    dispute = services.statement_dispute(
        statement=statement,
        actor=partner_user,
        line_ids=[statement.lines.get().pk],
        reason="The 120% bracket applies, not 100%s",
    )
    services.dispute_resolve(
        dispute=dispute, actor=staff(Role.FINANCE), answer="Checked: 100% is right"
    )
    # then
    assert partner_user.notifications.get(kind="statement.dispute_answered").body == (
        "Checked: 100% is right"
    )
