"""Agreements (DESIGN §2.5): the review state machine, signing, amendments, termination,
renewal reminders and automatic expiry."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from accounts.choices import Role
from core.models import AuditEvent, Notification
from partners import services
from partners.choices import AgreementStatus
from partners.models import Agreement, AgreementReminder, AgreementReview
from partners.tasks import agreement_daily_task

from ..factories import PartnerFactory, PartnerUserFactory, staff
from .factories import AgreementFactory, agreement_in, signed_pdf

pytestmark = pytest.mark.django_db

ALL = [s.value for s in AgreementStatus]
NOON = "T04:00:00Z"  # noon in Asia/Shanghai


@pytest.fixture
def managed(manager):
    return PartnerFactory(channel_manager=manager)


@pytest.fixture
def legal(db):
    return staff(Role.LEGAL)


def _draft(partner, **kwargs):
    return AgreementFactory(partner=partner, **kwargs)


def _to_business_review(agreement, manager, legal):
    services.agreement_submit(agreement=agreement, actor=manager)
    services.agreement_review(agreement=agreement, actor=legal, decision="approved")
    agreement.refresh_from_db()
    return agreement


def _business_approved(agreement, manager, legal):
    _to_business_review(agreement, manager, legal)
    services.agreement_review(agreement=agreement, actor=manager, decision="approved")
    return agreement


# --- create and edit --------------------------------------------------------------------------


def test_create_numbers_the_agreement_per_partner_as_version_one_draft(managed, manager):
    agreement = services.agreement_create(
        partner=managed,
        actor=manager,
        title="Reseller agreement",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.version == 1
    assert agreement.number == f"AGR-{managed.pk:05d}-01"
    assert AuditEvent.objects.filter(action="agreement.created").count() == 1


def test_create_refuses_an_end_date_not_after_the_start(managed, manager):
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(
            partner=managed,
            actor=manager,
            title="x",
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 1, 1),
        )
    assert "end_date" in exc.value.message_dict
    assert not Agreement.objects.exists()


def test_create_refused_to_a_manager_of_other_partners(managed):
    with pytest.raises(PermissionDenied):
        services.agreement_create(
            partner=managed,
            actor=staff(Role.CHANNEL_MANAGER),
            title="x",
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
        )


@pytest.mark.parametrize("status", [s for s in ALL if s != "draft"])
def test_only_a_draft_can_be_edited(managed, manager, status):
    agreement = agreement_in(status, partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_update(agreement=agreement, actor=manager, title="Changed")
    agreement.refresh_from_db()
    assert agreement.title == "Distribution agreement"


# --- reviews ----------------------------------------------------------------------------------


def test_submit_moves_a_draft_to_legal_review_and_tells_legal(managed, manager, legal):
    agreement = _draft(managed)
    services.agreement_submit(agreement=agreement, actor=manager)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.LEGAL_REVIEW
    assert Notification.objects.filter(recipient=legal, kind="partner.agreement_legal_review")


@pytest.mark.parametrize("status", [s for s in ALL if s != "draft"])
def test_submit_refused_outside_draft(managed, manager, status):
    agreement = agreement_in(status, partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_submit(agreement=agreement, actor=manager)
    agreement.refresh_from_db()
    assert agreement.status == status


def test_legal_approval_moves_to_business_review_and_is_recorded(managed, manager, legal):
    agreement = _to_business_review(_draft(managed), manager, legal)
    assert agreement.status == AgreementStatus.BUSINESS_REVIEW
    review = AgreementReview.objects.get(agreement=agreement)
    assert (review.stage, review.decision, review.reviewer) == ("legal", "approved", legal)


def test_legal_review_refused_to_a_channel_manager(managed, manager):
    agreement = agreement_in("legal_review", partner=managed)
    with pytest.raises(PermissionDenied):
        services.agreement_review(agreement=agreement, actor=manager, decision="approved")
    assert not AgreementReview.objects.exists()


def test_business_review_refused_to_legal(managed, manager, legal):
    agreement = agreement_in("business_review", partner=managed)
    with pytest.raises(PermissionDenied):
        services.agreement_review(agreement=agreement, actor=legal, decision="approved")


@pytest.mark.parametrize("stage_status", ["legal_review", "business_review"])
def test_a_rejection_sends_back_to_draft_with_comments(managed, manager, legal, stage_status):
    agreement = agreement_in(stage_status, partner=managed)
    reviewer = legal if stage_status == "legal_review" else manager
    services.agreement_review(
        agreement=agreement, actor=reviewer, decision="rejected", comments="Fix clause 4"
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert AgreementReview.objects.get().comments == "Fix clause 4"


def test_a_rejection_without_comments_is_refused(managed, legal):
    agreement = agreement_in("legal_review", partner=managed)
    with pytest.raises(ValidationError) as exc:
        services.agreement_review(agreement=agreement, actor=legal, decision="rejected")
    assert "comments" in exc.value.message_dict
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.LEGAL_REVIEW


@pytest.mark.parametrize("status", [s for s in ALL if s not in ("legal_review", "business_review")])
def test_review_refused_outside_the_review_states(managed, legal, status):
    agreement = agreement_in(status, partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_review(agreement=agreement, actor=legal, decision="approved")


def test_business_review_cannot_be_recorded_twice(managed, manager, legal):
    agreement = _business_approved(_draft(managed), manager, legal)
    with pytest.raises(ValidationError):
        services.agreement_review(agreement=agreement, actor=manager, decision="approved")


# --- signing ----------------------------------------------------------------------------------


def test_signing_after_both_reviews_stores_the_document(managed, manager, legal):
    agreement = _business_approved(_draft(managed), manager, legal)
    services.agreement_sign(
        agreement=agreement,
        actor=manager,
        document=signed_pdf(),
        signed_on=datetime.date(2025, 12, 1),
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.signed_document.name.endswith(".pdf")


def test_signing_before_the_business_approval_is_refused(managed, manager, legal):
    agreement = _to_business_review(_draft(managed), manager, legal)
    with pytest.raises(ValidationError):
        services.agreement_sign(
            agreement=agreement,
            actor=manager,
            document=signed_pdf(),
            signed_on=datetime.date(2025, 12, 1),
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.BUSINESS_REVIEW


def test_signing_refuses_a_file_whose_content_is_not_a_pdf(managed, manager, legal):
    agreement = _business_approved(_draft(managed), manager, legal)
    fake = SimpleUploadedFile("signed.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.agreement_sign(
            agreement=agreement, actor=manager, document=fake, signed_on=datetime.date(2025, 12, 1)
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.BUSINESS_REVIEW
    assert not agreement.signed_document


def test_the_database_refuses_a_signed_agreement_without_document(managed):
    with pytest.raises(IntegrityError):
        AgreementFactory(partner=managed, status=AgreementStatus.SIGNED)


# --- activation, amendment, termination -------------------------------------------------------


def test_activate_a_signed_agreement_that_has_started(managed, manager, time_machine):
    time_machine.move_to("2026-03-01" + NOON)
    agreement = agreement_in("signed", partner=managed)
    services.agreement_activate(agreement=agreement, actor=manager)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_activate_refused_before_the_start_date(managed, manager, time_machine):
    time_machine.move_to("2025-12-25" + NOON)
    agreement = agreement_in("signed", partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_activate(agreement=agreement, actor=manager)


@pytest.mark.parametrize("status", [s for s in ALL if s != "signed"])
def test_activate_refused_unless_signed(managed, manager, status, time_machine):
    time_machine.move_to("2026-03-01" + NOON)
    agreement = agreement_in(status, partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_activate(agreement=agreement, actor=manager)


def test_an_amendment_is_the_next_version_and_replaces_the_active_one(
    managed, manager, legal, time_machine
):
    time_machine.move_to("2026-03-01" + NOON)
    original = agreement_in("active", partner=managed)
    amendment = services.agreement_amend(agreement=original, actor=manager)
    assert (amendment.number, amendment.version, amendment.amends) == (
        original.number,
        2,
        original,
    )
    assert amendment.status == AgreementStatus.DRAFT
    _business_approved(amendment, manager, legal)
    services.agreement_sign(
        agreement=amendment,
        actor=manager,
        document=signed_pdf(),
        signed_on=datetime.date(2026, 2, 20),
    )
    services.agreement_activate(agreement=amendment, actor=manager)
    original.refresh_from_db()
    amendment.refresh_from_db()
    assert amendment.status == AgreementStatus.ACTIVE
    assert original.status == AgreementStatus.EXPIRED


def test_a_second_amendment_while_one_is_in_progress_is_refused(managed, manager):
    original = agreement_in("active", partner=managed)
    services.agreement_amend(agreement=original, actor=manager)
    with pytest.raises(ValidationError):
        services.agreement_amend(agreement=original, actor=manager)
    assert Agreement.objects.filter(number=original.number).count() == 2


@pytest.mark.parametrize("status", ["draft", "legal_review", "business_review", "expired"])
def test_amend_refused_unless_signed_or_active(managed, manager, status):
    agreement = agreement_in(status, partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_amend(agreement=agreement, actor=manager)


@pytest.mark.parametrize("status", ["signed", "active"])
@pytest.mark.parametrize("reason", ["breach", "insolvency", "law", "force_majeure"])
def test_early_termination_with_each_reason_category(managed, manager, status, reason):
    agreement = agreement_in(status, partner=managed)
    services.agreement_terminate(agreement=agreement, actor=manager, reason=reason, note="x")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.termination_reason == reason
    assert AuditEvent.objects.filter(action="agreement.terminated").exists()


@pytest.mark.parametrize("status", ["draft", "legal_review", "business_review", "expired"])
def test_termination_refused_unless_signed_or_active(managed, manager, status):
    agreement = agreement_in(status, partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_terminate(agreement=agreement, actor=manager, reason="breach")


def test_termination_refused_twice(managed, manager):
    agreement = agreement_in("terminated", partner=managed)
    with pytest.raises(ValidationError):
        services.agreement_terminate(agreement=agreement, actor=manager, reason="breach")


def test_termination_needs_a_known_reason_category(managed, manager):
    agreement = agreement_in("active", partner=managed)
    with pytest.raises(ValidationError) as exc:
        services.agreement_terminate(agreement=agreement, actor=manager, reason="bored")
    assert "reason" in exc.value.message_dict
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


# --- renewal reminders and expiry (daily job) -------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(120, None), (91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, None)],
)
def test_reminder_threshold_windows(days_left, threshold):
    assert services.agreement_reminder_threshold(days_left) == threshold


@pytest.fixture
def expiring(managed, manager):
    admin = PartnerUserFactory(partner=managed, role=Role.PARTNER_ADMIN)
    agreement = agreement_in("active", partner=managed, end_date=datetime.date(2026, 12, 31))
    return agreement, admin


def test_reminders_fire_once_per_threshold_as_the_clock_moves(expiring, manager, time_machine):
    agreement, admin = expiring
    sent = {}
    for day in [
        "2026-09-01",
        "2026-10-02",
        "2026-10-03",
        "2026-11-30",
        "2026-12-01",
        "2026-12-10",
        "2026-12-24",
        "2026-12-25",
        "2026-12-30",
    ]:
        time_machine.move_to(day + NOON)
        sent[day] = services.agreement_send_reminders()
    assert sent == {
        "2026-09-01": 0,  # 121 days left
        "2026-10-02": 1,  # 90 days
        "2026-10-03": 0,
        "2026-11-30": 0,  # 31 days: still the 90-day window
        "2026-12-01": 1,  # 30 days
        "2026-12-10": 0,
        "2026-12-24": 1,  # 7 days
        "2026-12-25": 0,
        "2026-12-30": 0,
    }
    assert sorted(
        AgreementReminder.objects.filter(agreement=agreement).values_list("days_before", flat=True)
    ) == [7, 30, 90]
    for user in (manager, admin):
        assert (
            Notification.objects.filter(recipient=user, kind="partner.agreement_renewal").count()
            == 3
        )


def test_a_missed_day_still_sends_the_threshold_once(expiring, time_machine):
    agreement, _ = expiring
    time_machine.move_to("2026-10-20" + NOON)  # 72 days left; the job did not run on day 90
    assert services.agreement_send_reminders() == 1
    assert services.agreement_send_reminders() == 0
    assert AgreementReminder.objects.get(agreement=agreement).days_before == 90


def test_the_database_refuses_a_second_reminder_for_a_threshold(expiring):
    agreement, _ = expiring
    AgreementReminder.objects.create(agreement=agreement, days_before=30)
    with pytest.raises(IntegrityError):
        AgreementReminder.objects.create(agreement=agreement, days_before=30)


def test_a_renewed_agreement_gets_no_reminder(expiring, time_machine):
    agreement, _ = expiring
    agreement_in(
        "signed",
        partner=agreement.partner,
        number=agreement.number,
        version=2,
        amends=agreement,
        end_date=datetime.date(2027, 12, 31),
    )
    time_machine.move_to("2026-12-01" + NOON)
    assert services.agreement_send_reminders() == 0


def test_the_daily_job_expires_ended_agreements_once(managed, time_machine):
    ended = agreement_in("active", partner=managed, end_date=datetime.date(2026, 6, 30))
    running = agreement_in("active", partner=managed, end_date=datetime.date(2026, 12, 31))
    time_machine.move_to("2026-07-01" + NOON)
    first = agreement_daily_task.delay().get()
    second = agreement_daily_task.delay().get()
    ended.refresh_from_db()
    running.refresh_from_db()
    assert first["expired"] == 1 and second["expired"] == 0
    assert ended.status == AgreementStatus.EXPIRED
    assert running.status == AgreementStatus.ACTIVE
    assert AuditEvent.objects.filter(action="agreement.expired").count() == 1


def test_the_daily_job_keeps_an_agreement_on_its_last_day(managed, time_machine):
    last_day = agreement_in("active", partner=managed, end_date=datetime.date(2026, 6, 30))
    time_machine.move_to("2026-06-30" + NOON)
    agreement_daily_task.delay().get()
    last_day.refresh_from_db()
    assert last_day.status == AgreementStatus.ACTIVE


def test_the_daily_job_activates_signed_agreements_on_their_start_date(managed, time_machine):
    signed = agreement_in("signed", partner=managed, start_date=datetime.date(2026, 4, 1))
    time_machine.move_to("2026-03-31" + NOON)
    assert agreement_daily_task.delay().get()["activated"] == 0
    time_machine.move_to("2026-04-01" + NOON)
    assert agreement_daily_task.delay().get()["activated"] == 1
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.ACTIVE


def test_the_daily_agreement_job_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["partners.agreement-daily"]
    assert entry["task"] == "partners.tasks.agreement_daily_task"
