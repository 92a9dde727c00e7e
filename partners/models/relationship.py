"""Agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import Area, ScopedManager
from core.money import CURRENCY_CHOICES

from ..choices import (
    AGREEMENT_IN_PROGRESS,
    AgreementStatus,
    CreditGrade,
    CreditKind,
    CreditRatingKind,
    CreditStatus,
    LimitProposalReason,
    LimitProposalStatus,
    ReportStatus,
    ReviewDecision,
    ReviewStage,
    TerminationReason,
    VisitKind,
    VisitStatus,
)
from .partner import Partner


class Agreement(models.Model):
    """One version of a partner agreement (DESIGN §2.5). Versions share a `number`; an amendment
    is the next version and goes through the same legal then business review.

    At most one version of a number is in progress and at most one is active (DB-enforced); a
    version past review carries its signed document.
    """

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="agreements"
    )
    number = models.CharField(_("agreement number"), max_length=30)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amends = models.ForeignKey(
        "self",
        verbose_name=_("amends"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    title = models.CharField(_("title"), max_length=200)
    terms = models.TextField(_("terms summary"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AgreementStatus.choices,
        default=AgreementStatus.DRAFT,
    )
    signed_document = models.FileField(
        _("signed document"), upload_to="partners/agreements/%Y/%m/", blank=True
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    termination_reason = models.CharField(
        _("termination reason"), max_length=16, choices=TerminationReason.choices, blank=True
    )
    termination_note = models.TextField(_("termination note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "end_date"], name="agreement_status_end"),
            models.Index(fields=["partner", "status"], name="agreement_partner_status"),
            # The API list's order, vendor-wide and partner by partner (DESIGN §10).
            models.Index(fields=["-created_at", "-id"], name="agreement_recent"),
            models.Index(fields=["partner", "-created_at", "-id"], name="agreement_partner_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="agreement_number_version"),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(status__in=AGREEMENT_IN_PROGRESS),
                name="agreement_one_version_in_progress",
                violation_error_message=_("A version of this agreement is already in progress."),
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(status=AgreementStatus.ACTIVE),
                name="agreement_one_active_version",
            ),
            models.CheckConstraint(
                name="agreement_ends_after_start",
                condition=Q(end_date__gt=models.F("start_date")),
                violation_error_message=_("The end date must be after the start date."),
            ),
            models.CheckConstraint(
                name="agreement_terminated_has_reason",
                condition=~Q(status=AgreementStatus.TERMINATED) | ~Q(termination_reason=""),
            ),
            models.CheckConstraint(
                name="agreement_signed_has_document",
                condition=Q(status__in=AGREEMENT_IN_PROGRESS) | ~Q(signed_document=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    @property
    def is_in_progress(self) -> bool:
        return self.status in AGREEMENT_IN_PROGRESS


class AgreementReview(models.Model):
    """One recorded legal or business review decision (vendor-only; append-only)."""

    scope_partner_path = None

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=10, choices=ReviewStage.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    comments = models.TextField(_("comments"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("agreement review")
        verbose_name_plural = _("agreement reviews")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="agreement_review_rejection_has_comments",
                condition=~Q(decision=ReviewDecision.REJECTED) | ~Q(comments=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.get_stage_display()} · {self.get_decision_display()}"


class AgreementReminder(models.Model):
    """A renewal reminder sent for one threshold (90/30/7 days); at most once per threshold."""

    scope_partner_path = None

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("agreement reminder")
        verbose_name_plural = _("agreement reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "days_before"], name="agreement_reminder_once_per_threshold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.days_before}"


class CreditApplication(models.Model):
    """A partner's request for a normal or a special (project) credit limit (DESIGN §2.6).

    One open request per partner and kind (DB-enforced); finance approves or rejects.
    """

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="credit_applications",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CreditKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    project_name = models.CharField(_("project"), max_length=200, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    justification = models.TextField(_("justification"))
    status = models.CharField(
        _("status"), max_length=10, choices=CreditStatus.choices, default=CreditStatus.SUBMITTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("credit limit application")
        verbose_name_plural = _("credit limit applications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="credit_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="credit_special_has_project",
                condition=~Q(kind=CreditKind.SPECIAL) | ~Q(project_name=""),
            ),
            models.UniqueConstraint(
                fields=["partner", "kind"],
                condition=Q(status=CreditStatus.SUBMITTED),
                name="credit_one_open_per_partner_kind",
                violation_error_message=_("An application of this kind is already waiting."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()} · {self.amount} {self.currency}"


class BusinessReport(models.Model):
    """A partner's monthly business report, reviewed by its channel manager (DESIGN §2.8)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="business_reports",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the reported month."))
    pipeline = models.TextField(_("pipeline"))
    marketing_activities = models.TextField(_("marketing activities"), blank=True)
    customer_feedback = models.TextField(_("customer feedback"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(_("manager comment"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("business report")
        verbose_name_plural = _("business reports")
        ordering = ["-month", "partner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "month"],
                name="business_report_one_per_month",
                violation_error_message=_("A report for this month already exists."),
            ),
            models.CheckConstraint(
                name="business_report_returned_has_comment",
                condition=~Q(status=ReportStatus.RETURNED) | ~Q(review_comment=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.month:%Y-%m}"


class PartnerVisit(models.Model):
    """A planned or recorded visit of a channel manager to a partner (DESIGN §2.8)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="visits"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("channel manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    planned_on = models.DateField(_("planned for"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    attendees = models.CharField(_("attendees"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner visit")
        verbose_name_plural = _("partner visits")
        ordering = ["-planned_on", "-pk"]
        indexes = [
            models.Index(fields=["partner", "status", "visited_on"], name="visit_partner_done")
        ]
        constraints = [
            models.CheckConstraint(
                name="visit_done_has_date_and_summary",
                condition=~Q(status=VisitStatus.DONE)
                | (Q(visited_on__isnull=False) & ~Q(summary="")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.planned_on:%Y-%m-%d}"


class CreditRating(models.Model):
    """One credit rating of a partner (DESIGN §2.6): the grade, the points it came from and every
    figure used, kept as history (append-only, DB trigger). One quarterly rating per partner and
    quarter (DB-enforced); on-demand ratings add to the history."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="credit_ratings"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CreditRatingKind.choices)
    quarter = models.CharField(_("quarter"), max_length=6)
    as_of = models.DateField(_("as of"))
    grade = models.CharField(_("grade"), max_length=3, choices=CreditGrade.choices)
    previous_grade = models.CharField(
        _("previous grade"), max_length=3, choices=CreditGrade.choices, blank=True
    )
    points = models.PositiveSmallIntegerField(_("points"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    credit_limit = models.DecimalField(_("credit limit"), max_digits=18, decimal_places=2)
    overdue_exposure = models.DecimalField(_("overdue exposure"), max_digits=18, decimal_places=2)
    average_days_late = models.DecimalField(_("average days late"), max_digits=7, decimal_places=1)
    share_late = models.DecimalField(_("share paid late"), max_digits=5, decimal_places=4)
    disputes_lost = models.PositiveIntegerField(_("disputes lost"))
    classification = models.CharField(_("scorecard class"), max_length=1, blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "quarter"],
                condition=Q(kind="quarterly"),
                name="credit_rating_one_quarterly",
            ),
            models.CheckConstraint(name="credit_rating_points_0_100", condition=Q(points__lte=100)),
        ]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="credit_rating_partner_recent")
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.quarter} · {self.grade}"

    @property
    def over_limit(self) -> bool:
        return self.overdue_exposure > self.credit_limit


class CreditLimitProposal(models.Model):
    """A lower credit limit suggested by a rating's alert; finance approves (the limit changes
    through `partner_credit_limit_set`) or rejects with a reason. One waiting per partner."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="credit_limit_proposals",
    )
    rating = models.ForeignKey(
        CreditRating, verbose_name=_("rating"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=LimitProposalReason.choices)
    current_limit = models.DecimalField(_("current limit"), max_digits=18, decimal_places=2)
    proposed_limit = models.DecimalField(_("proposed limit"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=LimitProposalStatus.choices,
        default=LimitProposalStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("credit limit proposal")
        verbose_name_plural = _("credit limit proposals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(status="pending"),
                name="credit_proposal_one_pending",
            ),
            models.CheckConstraint(
                name="credit_proposal_lower",
                condition=Q(proposed_limit__gte=0, proposed_limit__lt=models.F("current_limit")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.proposed_limit} {self.currency}"
