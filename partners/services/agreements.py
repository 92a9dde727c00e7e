"""Writes of partner agreements: drafting, reviews, signing, activation, termination,
amendments (new versions), and the daily activation, expiry and reminder runs (DESIGN §2.5).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from core.audit import diff, snapshot
from core.notifications import Audience, choice_label, notify, partner_recipients
from core.transitions import Notice, transition_record
from core.uploads import validate_document

from ..choices import (
    AGREEMENT_IN_FORCE,
    AGREEMENT_IN_PROGRESS,
    AGREEMENT_REMINDER_DAYS,
    AgreementStatus,
    ReviewDecision,
    ReviewStage,
    TerminationReason,
)
from ..models import Agreement, AgreementReminder, AgreementReview, Partner
from ._common import _require_manage

AGREEMENT_FIELDS = ["title", "terms", "start_date", "end_date"]


def _require_legal(actor: User) -> None:
    if not (actor.is_admin or actor.role == Role.LEGAL):
        raise PermissionDenied


def _lock_agreement(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("partner").get(pk=agreement.pk)


def _agreement_move(
    *,
    agreement: Agreement,
    to_status: str,
    actor: User | None,
    note: str = "",
    notice: Notice | None = None,
) -> None:
    before = agreement.status
    agreement.status = to_status
    agreement.save()
    transition_record(
        agreement,
        actor=actor,
        action=f"agreement.{to_status}",
        partner=agreement.partner,
        changes={"status": {"before": before, "after": to_status}},
        note=note,
        notice=notice,
    )


def _agreement_url(agreement: Agreement) -> str:
    return reverse("partners:agreement_detail", args=[agreement.pk])


def _partner_admins(partner: Partner) -> list[User]:
    return partner_recipients(partner=partner, audience=Audience.ADMINS)


def _agreement_check_dates(start_date, end_date) -> None:
    if start_date and end_date and end_date <= start_date:
        raise ValidationError({"end_date": _("The end date must be after the start date.")})


@transaction.atomic
def agreement_create(
    *, partner: Partner, actor: User, title: str, start_date, end_date, terms: str = ""
) -> Agreement:
    """A new agreement (version 1, draft) numbered per partner; only the partner's managers."""
    _require_manage(actor=actor, partner=partner)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    _agreement_check_dates(start_date, end_date)
    sequence = Agreement.objects.filter(partner=partner, version=1).count() + 1
    agreement = Agreement(
        partner=partner,
        number=f"AGR-{partner.pk:05d}-{sequence:02d}",
        title=title,
        terms=terms,
        start_date=start_date,
        end_date=end_date,
        created_by=actor,
    )
    agreement.full_clean()
    agreement.save()
    transition_record(
        agreement,
        actor=actor,
        action="agreement.created",
        partner=partner,
        changes=snapshot(agreement, AGREEMENT_FIELDS),
    )
    return agreement


@transaction.atomic
def agreement_update(*, agreement: Agreement, actor: User, **fields) -> Agreement:
    """Edit the terms of a draft; anything past draft is changed only by an amendment."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be edited; amend a signed agreement instead."))
    before = snapshot(agreement, AGREEMENT_FIELDS)
    for name, value in fields.items():
        if name not in AGREEMENT_FIELDS:
            raise ValueError(f"{name} is not an agreement field")
        setattr(agreement, name, value)
    _agreement_check_dates(agreement.start_date, agreement.end_date)
    agreement.full_clean()
    agreement.save()
    changes = diff(before, snapshot(agreement, AGREEMENT_FIELDS))
    if changes:
        transition_record(
            agreement,
            actor=actor,
            action="agreement.updated",
            partner=agreement.partner,
            changes=changes,
        )
    return agreement


@transaction.atomic
def agreement_submit(*, agreement: Agreement, actor: User) -> Agreement:
    """Send a draft to legal review."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent to legal review."))
    _agreement_move(
        agreement=agreement,
        to_status=AgreementStatus.LEGAL_REVIEW,
        actor=actor,
        notice=Notice(
            recipients=User.objects.filter(role=Role.LEGAL, is_active=True),
            kind="partner.agreement_legal_review",
            title=_("Agreement %(number)s of %(partner)s waits for legal review"),
            url=_agreement_url(agreement),
            params={"number": str(agreement), "partner": agreement.partner.legal_name},
        ),
    )
    return agreement


def _business_approved(agreement: Agreement) -> bool:
    """True when the latest review of the current round is a business approval."""
    last = agreement.reviews.order_by("-created_at", "-pk").first()
    return (
        last is not None
        and last.stage == ReviewStage.BUSINESS
        and last.decision == ReviewDecision.APPROVED
    )


@transaction.atomic
def agreement_review(
    *, agreement: Agreement, actor: User, decision: str, comments: str = ""
) -> AgreementReview:
    """Record the legal (legal reviewers) or business (the partner's managers) review decision.

    Legal approval moves on to business review; a business approval waits for the signed
    document; either rejection sends the version back to draft with the comments.
    """
    agreement = _lock_agreement(agreement)
    comments = comments.strip()
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Choose approve or send back.")})
    if decision == ReviewDecision.REJECTED and not comments:
        raise ValidationError({"comments": _("Say what must change before it is sent back.")})
    if agreement.status == AgreementStatus.LEGAL_REVIEW:
        _require_legal(actor)
        stage = ReviewStage.LEGAL
    elif agreement.status == AgreementStatus.BUSINESS_REVIEW:
        _require_manage(actor=actor, partner=agreement.partner)
        if _business_approved(agreement):
            raise ValidationError(_("The business review is done; upload the signed document."))
        stage = ReviewStage.BUSINESS
    else:
        raise ValidationError(_("This agreement is not under review."))
    review = AgreementReview.objects.create(
        agreement=agreement, stage=stage, decision=decision, reviewer=actor, comments=comments
    )
    recipients = [agreement.created_by, agreement.partner.channel_manager]
    transition_record(
        agreement,
        actor=actor,
        action=f"agreement.{stage}_{decision}",
        partner=agreement.partner,
        note=comments,
        notice=Notice(
            recipients=[u for u in recipients if u is not None and u.pk != actor.pk],
            kind="partner.agreement_reviewed",
            title=_("%(stage)s of agreement %(number)s: %(decision)s"),
            body=comments,
            url=_agreement_url(agreement),
            params={
                "stage": choice_label(review, "stage"),
                "number": str(agreement),
                "decision": choice_label(review, "decision"),
            },
        ),
    )
    # The review is recorded and announced; the version then moves on (or back to draft).
    if decision == ReviewDecision.REJECTED:
        _agreement_move(agreement=agreement, to_status=AgreementStatus.DRAFT, actor=actor)
    elif stage == ReviewStage.LEGAL:
        _agreement_move(agreement=agreement, to_status=AgreementStatus.BUSINESS_REVIEW, actor=actor)
    return review


@transaction.atomic
def agreement_sign(*, agreement: Agreement, actor: User, document, signed_on) -> Agreement:
    """Store the signed document once both reviews approved; the version becomes signed."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.BUSINESS_REVIEW or not _business_approved(agreement):
        raise ValidationError(_("Both reviews must approve before the signed document is stored."))
    validate_document(document)
    if signed_on is None or signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The signature date cannot be in the future.")})
    agreement.signed_document = document
    agreement.signed_on = signed_on
    _agreement_move(agreement=agreement, to_status=AgreementStatus.SIGNED, actor=actor)
    return agreement


def _agreement_activate_locked(*, agreement: Agreement, actor: User | None) -> Agreement:
    previous = (
        Agreement.objects.select_for_update()
        .filter(number=agreement.number, status=AgreementStatus.ACTIVE)
        .exclude(pk=agreement.pk)
    )
    for old in previous:
        old.ended_at = timezone.now()
        _agreement_move(
            agreement=old,
            to_status=AgreementStatus.EXPIRED,
            actor=actor,
            note=f"superseded by {agreement}",
        )
    agreement.activated_at = timezone.now()
    _agreement_move(agreement=agreement, to_status=AgreementStatus.ACTIVE, actor=actor)
    return agreement


@transaction.atomic
def agreement_activate(*, agreement: Agreement, actor: User) -> Agreement:
    """Put a signed version in force from its start date; the version it amends ends."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.SIGNED:
        raise ValidationError(_("Only a signed agreement can be activated."))
    if agreement.start_date > timezone.localdate():
        raise ValidationError(_("The agreement starts later; it activates on its start date."))
    if agreement.end_date < timezone.localdate():
        raise ValidationError(_("The agreement has already ended."))
    return _agreement_activate_locked(agreement=agreement, actor=actor)


@transaction.atomic
def agreement_terminate(
    *, agreement: Agreement, actor: User, reason: str, note: str = ""
) -> Agreement:
    """End a signed or active agreement early, for one of the reason categories of DESIGN §2.5."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if reason not in TerminationReason.values:
        raise ValidationError({"reason": _("Choose a termination reason.")})
    if agreement.status not in AGREEMENT_IN_FORCE:
        raise ValidationError(_("Only a signed or active agreement can be terminated."))
    agreement.termination_reason = reason
    agreement.termination_note = note.strip()
    agreement.ended_at = timezone.now()
    _agreement_move(
        agreement=agreement,
        to_status=AgreementStatus.TERMINATED,
        actor=actor,
        note=note,
        notice=Notice(
            recipients=[agreement.partner.channel_manager, *_partner_admins(agreement.partner)],
            kind="partner.agreement_terminated",
            title=_("Agreement %(number)s was terminated: %(reason)s"),
            body=note,
            url=_agreement_url(agreement),
            params={
                "number": str(agreement),
                "reason": choice_label(agreement, "termination_reason"),
            },
        ),
    )
    return agreement


@transaction.atomic
def agreement_amend(*, agreement: Agreement, actor: User) -> Agreement:
    """Start the next version (a draft copy) of a signed or active agreement."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status not in AGREEMENT_IN_FORCE:
        raise ValidationError(_("Only a signed or active agreement can be amended."))
    if Agreement.objects.filter(number=agreement.number, status__in=AGREEMENT_IN_PROGRESS).exists():
        raise ValidationError(_("A version of this agreement is already in progress."))
    latest = Agreement.objects.filter(number=agreement.number).order_by("-version").first()
    amendment = Agreement.objects.create(
        partner=agreement.partner,
        number=agreement.number,
        version=latest.version + 1,
        amends=agreement,
        title=agreement.title,
        terms=agreement.terms,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        created_by=actor,
    )
    transition_record(
        amendment,
        actor=actor,
        action="agreement.amended",
        partner=agreement.partner,
        note=str(agreement),
    )
    return amendment


# Not atomic as a whole: a daily job; one transaction per agreement.
def agreement_activate_due(*, today: datetime.date | None = None) -> int:
    """Activate signed versions whose start date has come (daily job); returns how many."""
    today = today or timezone.localdate()
    count = 0
    ids = list(
        Agreement.objects.filter(
            status=AgreementStatus.SIGNED, start_date__lte=today, end_date__gte=today
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=pk)
            if agreement.status == AgreementStatus.SIGNED:
                _agreement_activate_locked(agreement=agreement, actor=None)
                count += 1
    return count


# Not atomic as a whole: a daily job; one transaction per agreement.
def agreement_expire_due(*, today: datetime.date | None = None) -> int:
    """Expire active and signed versions whose end date has passed (daily job, idempotent)."""
    today = today or timezone.localdate()
    due = Agreement.objects.filter(status__in=AGREEMENT_IN_FORCE, end_date__lt=today)
    count = 0
    for pk in due.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=pk)
            if agreement.status not in AGREEMENT_IN_FORCE or agreement.end_date >= today:
                continue
            agreement.ended_at = timezone.now()
            _agreement_move(
                agreement=agreement,
                to_status=AgreementStatus.EXPIRED,
                actor=None,
                notice=Notice(
                    recipients=[agreement.partner.channel_manager],
                    kind="partner.agreement_expired",
                    title=_("Agreement %(number)s of %(partner)s has expired"),
                    url=_agreement_url(agreement),
                    params={"number": str(agreement), "partner": agreement.partner.legal_name},
                ),
            )
            count += 1
    return count


def agreement_reminder_windows() -> list[tuple[int, int]]:
    """(threshold, exclusive lower bound) in days left: 90 covers 90..31, 30 covers 30..8, 7 covers
    7..0, so a day the job missed still sends the threshold once."""
    days = AGREEMENT_REMINDER_DAYS
    return [(t, days[i + 1] if i + 1 < len(days) else -1) for i, t in enumerate(days)]


def agreement_reminder_threshold(days_left: int) -> int | None:
    """The reminder threshold a number of days before expiry falls in: 90, 30, 7 or none."""
    for threshold, lower in agreement_reminder_windows():
        if lower < days_left <= threshold:
            return threshold
    return None


# Not atomic as a whole: a daily job; one transaction per reminder.
def agreement_send_reminders(*, today: datetime.date | None = None) -> int:
    """Send each due renewal reminder once (daily job); the constraint makes a rerun a no-op.

    One query per threshold picks the active agreements inside its window that have not had
    it yet; versions already renewed (a later version signed or active that ends later) get none.
    """
    today = today or timezone.localdate()
    renewed = Agreement.objects.filter(
        number=OuterRef("number"),
        version__gt=OuterRef("version"),
        status__in=AGREEMENT_IN_FORCE,
        end_date__gt=OuterRef("end_date"),
    )
    sent = 0
    for threshold, lower in agreement_reminder_windows():
        due = (
            Agreement.objects.filter(
                status=AgreementStatus.ACTIVE,
                end_date__gt=today + datetime.timedelta(days=lower),
                end_date__lte=today + datetime.timedelta(days=threshold),
            )
            .exclude(Exists(renewed))
            .exclude(
                Exists(
                    AgreementReminder.objects.filter(
                        agreement=OuterRef("pk"), days_before=threshold
                    )
                )
            )
            .select_related("partner__channel_manager")
        )
        for agreement in due.iterator(chunk_size=500):
            if _agreement_remind(agreement=agreement, threshold=threshold, today=today):
                sent += 1
    return sent


def _agreement_remind(*, agreement: Agreement, threshold: int, today: datetime.date) -> bool:
    """Record the reminder and notify; False when a concurrent run recorded it first."""
    try:
        with transaction.atomic():
            AgreementReminder.objects.create(agreement=agreement, days_before=threshold)
            notify(
                recipients=[agreement.partner.channel_manager, *_partner_admins(agreement.partner)],
                kind="partner.agreement_renewal",
                title=_("Agreement %(number)s expires in %(days)s days (%(date)s)"),
                body=_("Start the renewal of the agreement with %(partner)s."),
                url=_agreement_url(agreement),
                params={
                    "number": str(agreement),
                    "days": (agreement.end_date - today).days,
                    "date": agreement.end_date.isoformat(),
                    "partner": agreement.partner.legal_name,
                },
            )
    except IntegrityError:
        return False
    return True
