"""Writes of the partner relationship: agreements, credit limits, business reports and visits
(DESIGN §2.5, §2.6, §2.8).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, Role
from accounts.models import User
from accounts.scoping import can_manage_partner
from core.audit import diff, snapshot
from core.money import round_money
from core.notifications import Audience, notify, partner_recipients
from core.transitions import Notice, transition_record
from core.uploads import validate_document

from ..choices import (
    AGREEMENT_IN_FORCE,
    AGREEMENT_IN_PROGRESS,
    AGREEMENT_REMINDER_DAYS,
    AgreementStatus,
    CreditKind,
    CreditStatus,
    ReportStatus,
    ReviewDecision,
    ReviewStage,
    TerminationReason,
    VisitStatus,
)
from ..models import (
    Agreement,
    AgreementReminder,
    AgreementReview,
    BusinessReport,
    CreditApplication,
    Partner,
    PartnerVisit,
)

AGREEMENT_FIELDS = ["title", "terms", "start_date", "end_date"]


def _require_manage(*, actor: User, partner: Partner) -> None:
    if not (actor.is_vendor_staff and can_manage_partner(actor, partner)):
        raise PermissionDenied


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
                "stage": review.get_stage_display(),
                "number": str(agreement),
                "decision": review.get_decision_display(),
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
                "reason": agreement.get_termination_reason_display(),
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


# --- credit limits (DESIGN §2.6) --------------------------------------------------------------


def _require_finance(actor: User) -> None:
    if not (actor.is_admin or actor.role in FINANCE_ROLES):
        raise PermissionDenied


@transaction.atomic
def credit_application_submit(
    *,
    partner: Partner,
    actor: User,
    kind: str,
    amount: Decimal,
    justification: str,
    project_name: str = "",
    valid_until=None,
) -> CreditApplication:
    """A partner finance user asks for a normal or a special (project) credit limit."""
    if actor.role != Role.PARTNER_FINANCE or actor.partner_id != partner.pk:
        raise PermissionDenied
    if kind not in CreditKind.values:
        raise ValidationError({"kind": _("Choose a kind of credit limit.")})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The amount must be greater than zero.")})
    if not justification.strip():
        raise ValidationError({"justification": _("Explain why the limit is needed.")})
    if kind == CreditKind.SPECIAL and not project_name.strip():
        raise ValidationError({"project_name": _("A special credit limit names its project.")})
    if valid_until is not None and valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("This date is in the past.")})
    if CreditApplication.objects.filter(
        partner=partner, kind=kind, status=CreditStatus.SUBMITTED
    ).exists():
        raise ValidationError(_("An application of this kind is already waiting."))
    application = CreditApplication(
        partner=partner,
        kind=kind,
        amount=round_money(Decimal(amount), partner.contract_currency),
        currency=partner.contract_currency,
        justification=justification.strip(),
        project_name=project_name.strip() if kind == CreditKind.SPECIAL else "",
        valid_until=valid_until if kind == CreditKind.SPECIAL else None,
        requested_by=actor,
    )
    application.full_clean()
    application.save()
    transition_record(
        application,
        actor=actor,
        action="credit_application.submitted",
        partner=partner,
        changes={"kind": kind, "amount": str(application.amount)},
        notice=Notice(
            recipients=User.objects.filter(role=Role.FINANCE, is_active=True),
            kind="partner.credit_submitted",
            title=_("Credit limit application from %(partner)s: %(amount)s %(currency)s"),
            url=reverse("partners:credit_detail", args=[application.pk]),
            params={
                "partner": partner.legal_name,
                "amount": application.amount,
                "currency": application.currency,
            },
        ),
    )
    return application


def _lock_open_credit(application: CreditApplication) -> CreditApplication:
    application = (
        CreditApplication.objects.select_for_update()
        .select_related("partner")
        .get(pk=application.pk)
    )
    if application.status != CreditStatus.SUBMITTED:
        raise ValidationError(_("This application was already decided."))
    return application


def _credit_decided(*, application: CreditApplication, actor: User, status: str, note: str):
    application.status = status
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_note = note.strip()
    application.save()
    transition_record(
        application,
        actor=actor,
        action=f"credit_application.{status}",
        partner=application.partner,
        changes={"status": {"before": CreditStatus.SUBMITTED, "after": status}},
        note=note,
        notice=Notice(
            recipients=[application.requested_by],
            kind="partner.credit_decided",
            title=_("Your credit limit application was %(decision)s"),
            body=note,
            url=reverse("partners:credit_detail", args=[application.pk]),
            params={"decision": application.get_status_display().lower()},
        ),
    )


@transaction.atomic
def credit_application_approve(
    *, application: CreditApplication, actor: User, note: str = ""
) -> CreditApplication:
    """Finance approves; a normal limit replaces the partner's credit limit (audited)."""
    _require_finance(actor)
    application = _lock_open_credit(application)
    if application.kind == CreditKind.NORMAL:
        partner = Partner.objects.select_for_update().get(pk=application.partner_id)
        before = partner.credit_limit
        partner.credit_limit = application.amount
        partner.save(update_fields=["credit_limit", "updated_at"])
        transition_record(
            partner,
            actor=actor,
            action="partner.credit_limit_changed",
            changes={"credit_limit": {"before": str(before), "after": str(application.amount)}},
            note=str(application.pk),
        )
    _credit_decided(application=application, actor=actor, status=CreditStatus.APPROVED, note=note)
    return application


@transaction.atomic
def credit_application_reject(
    *, application: CreditApplication, actor: User, note: str
) -> CreditApplication:
    """Finance rejects, saying why."""
    _require_finance(actor)
    if not note.strip():
        raise ValidationError({"note": _("Give a reason for the rejection.")})
    application = _lock_open_credit(application)
    _credit_decided(application=application, actor=actor, status=CreditStatus.REJECTED, note=note)
    return application


@transaction.atomic
def credit_application_withdraw(
    *, application: CreditApplication, actor: User
) -> CreditApplication:
    """The requesting company withdraws a waiting application."""
    if not actor.is_partner_user or actor.partner_id != application.partner_id:
        raise PermissionDenied
    application = _lock_open_credit(application)
    application.status = CreditStatus.WITHDRAWN
    application.save(update_fields=["status"])
    transition_record(
        application,
        actor=actor,
        action="credit_application.withdrawn",
        partner=application.partner,
        changes={"status": {"before": CreditStatus.SUBMITTED, "after": CreditStatus.WITHDRAWN}},
    )
    return application


# --- business reports and visits (DESIGN §2.8) ------------------------------------------------

REPORT_FIELDS = ["pipeline", "marketing_activities", "customer_feedback", "support_needed"]


@transaction.atomic
def business_report_submit(
    *, partner: Partner, actor: User, month: datetime.date, **fields
) -> BusinessReport:
    """A partner user submits the monthly report (one per month; not for a future month)."""
    if not actor.is_partner_user or actor.partner_id != partner.pk:
        raise PermissionDenied
    if month is None:
        raise ValidationError({"month": _("Choose the month.")})
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("A report covers a month that has started.")})
    if not (fields.get("pipeline") or "").strip():
        raise ValidationError({"pipeline": _("Describe the pipeline.")})
    if BusinessReport.objects.filter(partner=partner, month=month).exists():
        raise ValidationError({"month": _("A report for this month already exists.")})
    report = BusinessReport(
        partner=partner,
        month=month,
        submitted_by=actor,
        submitted_at=timezone.now(),
        **{name: (fields.get(name) or "").strip() for name in REPORT_FIELDS},
    )
    report.full_clean()
    report.save()
    transition_record(
        report,
        actor=actor,
        action="business_report.submitted",
        partner=partner,
        notice=Notice(
            recipients=[partner.channel_manager],
            kind="partner.report_submitted",
            title=_("%(partner)s submitted its business report for %(month)s"),
            url=reverse("partners:report_detail", args=[report.pk]),
            params={"partner": partner.legal_name, "month": month.strftime("%Y-%m")},
        ),
    )
    return report


@transaction.atomic
def business_report_resubmit(*, report: BusinessReport, actor: User, **fields) -> BusinessReport:
    """The partner corrects a report the manager returned, and submits it again."""
    report = BusinessReport.objects.select_for_update().select_related("partner").get(pk=report.pk)
    if not actor.is_partner_user or actor.partner_id != report.partner_id:
        raise PermissionDenied
    if report.status != ReportStatus.RETURNED:
        raise ValidationError(_("Only a returned report can be changed."))
    if not (fields.get("pipeline") or "").strip():
        raise ValidationError({"pipeline": _("Describe the pipeline.")})
    before = snapshot(report, REPORT_FIELDS + ["status"])
    for name in REPORT_FIELDS:
        setattr(report, name, (fields.get(name) or "").strip())
    report.status = ReportStatus.SUBMITTED
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.save()
    transition_record(
        report,
        actor=actor,
        action="business_report.resubmitted",
        partner=report.partner,
        changes=diff(before, snapshot(report, REPORT_FIELDS + ["status"])),
    )
    return report


@transaction.atomic
def business_report_review(
    *, report: BusinessReport, actor: User, comment: str, accept: bool
) -> BusinessReport:
    """The partner's manager reviews a submitted report: accepts it or returns it with a comment."""
    report = BusinessReport.objects.select_for_update().select_related("partner").get(pk=report.pk)
    _require_manage(actor=actor, partner=report.partner)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say what must change before returning it.")})
    to_status = ReportStatus.REVIEWED if accept else ReportStatus.RETURNED
    report.status = to_status
    report.review_comment = comment
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save()
    transition_record(
        report,
        actor=actor,
        action=f"business_report.{to_status}",
        partner=report.partner,
        changes={"status": {"before": ReportStatus.SUBMITTED, "after": to_status}},
        note=comment,
        notice=Notice(
            recipients=[report.submitted_by],
            kind="partner.report_reviewed",
            title=_("Your business report for %(month)s: %(status)s"),
            body=comment,
            url=reverse("partners:report_detail", args=[report.pk]),
            params={"month": report.month.strftime("%Y-%m"), "status": report.get_status_display()},
        ),
    )
    return report


VISIT_FIELDS = ["kind", "planned_on", "agenda", "attendees"]


@transaction.atomic
def visit_plan(
    *, partner: Partner, actor: User, kind: str, planned_on, agenda: str = "", attendees=""
) -> PartnerVisit:
    """A channel manager plans a visit to one of the partners they manage."""
    _require_manage(actor=actor, partner=partner)
    if planned_on is None:
        raise ValidationError({"planned_on": _("Choose the date.")})
    visit = PartnerVisit(
        partner=partner,
        manager=actor,
        kind=kind,
        planned_on=planned_on,
        agenda=agenda.strip(),
        attendees=attendees.strip(),
    )
    visit.full_clean()
    visit.save()
    transition_record(visit, actor=actor, action="visit.planned", partner=partner)
    return visit


@transaction.atomic
def visit_record(
    *, visit: PartnerVisit, actor: User, visited_on, summary: str, next_steps: str = ""
) -> PartnerVisit:
    """Record what happened at a planned visit; the visit is then done."""
    visit = PartnerVisit.objects.select_for_update().select_related("partner").get(pk=visit.pk)
    _require_manage(actor=actor, partner=visit.partner)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be recorded."))
    if visited_on is None or visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit is recorded once it has happened.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Summarise the visit.")})
    visit.status = VisitStatus.DONE
    visit.visited_on = visited_on
    visit.summary = summary.strip()
    visit.next_steps = next_steps.strip()
    visit.save()
    transition_record(
        visit,
        actor=actor,
        action="visit.done",
        partner=visit.partner,
        changes={"status": {"before": VisitStatus.PLANNED, "after": VisitStatus.DONE}},
    )
    return visit


@transaction.atomic
def visit_cancel(*, visit: PartnerVisit, actor: User) -> PartnerVisit:
    """Cancel a planned visit."""
    visit = PartnerVisit.objects.select_for_update().select_related("partner").get(pk=visit.pk)
    _require_manage(actor=actor, partner=visit.partner)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be cancelled."))
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status"])
    transition_record(
        visit,
        actor=actor,
        action="visit.cancelled",
        partner=visit.partner,
        changes={"status": {"before": VisitStatus.PLANNED, "after": VisitStatus.CANCELLED}},
    )
    return visit
