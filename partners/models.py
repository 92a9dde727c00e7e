"""Partner companies and the tier table they are ranked by (DESIGN §2.2, §2.3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.scoping import ScopedManager
from core.money import CURRENCY_CHOICES

from .choices import (
    AGREEMENT_IN_PROGRESS,
    OPEN_APPLICATION_STATUSES,
    AgreementStatus,
    ApplicationStatus,
    Classification,
    CreditKind,
    CreditStatus,
    NpsSource,
    PartnerStatus,
    PartnerType,
    ProposalStatus,
    ReportStatus,
    RevenueBand,
    ReviewDecision,
    ReviewStage,
    ScorecardKind,
    TerminationReason,
    TierCode,
    TierOutcome,
    ViolationKind,
    ViolationStatus,
    VisitKind,
    VisitStatus,
)


class Tier(models.Model):
    """One rung of the programme: requirements to hold it and benefits it gives (configurable)."""

    code = models.CharField(_("code"), max_length=20, choices=TierCode.choices, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    min_revenue = models.DecimalField(
        _("trailing-4-quarter revenue at least"),
        max_digits=18,
        decimal_places=2,
        default=Decimal("0"),
    )
    min_certified_staff = models.PositiveIntegerField(_("certified staff at least"), default=0)
    min_senior_certified_staff = models.PositiveIntegerField(
        _("senior certified staff at least"), default=0
    )
    min_nps = models.IntegerField(_("NPS at least"), null=True, blank=True)
    rebate_multiplier = models.DecimalField(_("rebate multiplier"), max_digits=4, decimal_places=2)
    protection_days = models.PositiveIntegerField(_("deal protection days"))
    lead_exclusive_hours = models.PositiveIntegerField(
        _("lead exclusive window (hours)"), default=0
    )
    mdf_rate = models.DecimalField(
        _("MDF accrual rate"), max_digits=5, decimal_places=4, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.get_code_display()

    @property
    def is_core(self) -> bool:
        """Gold and Diamond are the core partners (DESIGN §2.3)."""
        return self.code in (TierCode.GOLD, TierCode.DIAMOND)


class Partner(models.Model):
    """A partner company. Every partner-side object hangs off one of these."""

    scope_partner_path = ""

    legal_name = models.CharField(_("legal name"), max_length=200)
    tax_id = models.CharField(_("tax ID"), max_length=40, unique=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    partner_type = models.CharField(_("type"), max_length=20, choices=PartnerType.choices)
    regions = ArrayField(
        models.CharField(max_length=8), verbose_name=_("regions"), default=list, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent distributor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dealers",
    )
    channel_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("channel manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
        limit_choices_to={"role__in": ["channel_manager", "channel_director"]},
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="partners"
    )
    classification = models.CharField(
        _("class"), max_length=1, choices=Classification.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    contract_currency = models.CharField(
        _("contract currency"), max_length=3, choices=CURRENCY_CHOICES, default="CNY"
    )
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    specializations = ArrayField(
        models.CharField(max_length=40), verbose_name=_("specializations"), default=list, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["legal_name"]
        permissions = [
            ("manage_partner", _("Can manage the partner (approve its deals, edit its profile)"))
        ]
        indexes = [
            GinIndex(fields=["regions"], name="partner_regions_gin"),
            GinIndex(fields=["specializations"], name="partner_specializations_gin"),
            models.Index(fields=["channel_manager", "status"], name="partner_manager_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="partner_not_own_parent", condition=~Q(parent=models.F("pk"))
            ),
            models.CheckConstraint(
                name="partner_credit_limit_non_negative", condition=Q(credit_limit__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_active(self) -> bool:
        return self.status == PartnerStatus.ACTIVE


class PartnerUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants (django-guardian) on one partner, e.g. a manager assigned to it."""

    content_object = models.ForeignKey(Partner, on_delete=models.CASCADE)


class PartnerGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Partner, on_delete=models.CASCADE)


def _score_field(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class PartnerApplication(models.Model):
    """A prospect's application (DESIGN §2.1). One open application per tax ID (DB-enforced).

    Vendor-only data: partner users never see applications.
    """

    scope_partner_path = None

    legal_name = models.CharField(_("legal name"), max_length=200)
    tax_id = models.CharField(_("tax ID"), max_length=40)
    country = models.CharField(_("country"), max_length=2, default="CN")
    regions = ArrayField(models.CharField(max_length=8), verbose_name=_("regions"), default=list)
    partner_type = models.CharField(_("type"), max_length=20, choices=PartnerType.choices)
    business_scope = models.TextField(_("business scope"))
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=40)
    revenue_band = models.CharField(
        _("annual revenue band"), max_length=12, choices=RevenueBand.choices
    )
    technical_staff = models.PositiveIntegerField(_("technical staff"))
    business_licence = models.FileField(
        _("business licence"), upload_to="partners/applications/%Y/%m/"
    )
    referred_by = models.ForeignKey(
        Partner,
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    score_qualification = _score_field(_("qualification score"))
    score_business = _score_field(_("business capability score"))
    score_resources = _score_field(_("resources score"))
    score_willingness = _score_field(_("willingness score"))
    site_visit_report = models.TextField(_("site-visit report"), blank=True)
    partner = models.OneToOneField(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="application_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_id"],
                condition=Q(status__in=OPEN_APPLICATION_STATUSES),
                name="application_one_open_per_tax_id",
                violation_error_message=_(
                    "An application with this tax ID is already being processed."
                ),
            ),
            *[
                models.CheckConstraint(
                    name=f"application_{name}_0_100",
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": 100}),
                )
                for name in (
                    "score_qualification",
                    "score_business",
                    "score_resources",
                    "score_willingness",
                )
            ],
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES

    @property
    def scores(self) -> list[int | None]:
        return [
            self.score_qualification,
            self.score_business,
            self.score_resources,
            self.score_willingness,
        ]

    @property
    def has_assessment(self) -> bool:
        return all(score is not None for score in self.scores)


class ApplicationTransition(models.Model):
    """Who moved an application from one step to another and when (append-only)."""

    scope_partner_path = None

    application = models.ForeignKey(
        PartnerApplication, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=ApplicationStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("application transition")
        verbose_name_plural = _("application transitions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application} · {self.from_status} → {self.to_status}"


class ComplianceViolation(models.Model):
    """A recorded breach by a partner, with evidence and a penalty (DESIGN §2.7).

    An open violation blocks tier upgrades. Other apps create drafts that staff then confirm.
    """

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="violations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ViolationKind.choices)
    description = models.TextField(_("description"))
    evidence = models.FileField(_("evidence"), upload_to="partners/violations/%Y/%m/", blank=True)
    penalty = models.DecimalField(
        _("penalty"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ViolationStatus.choices, default=ViolationStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("compliance violation")
        verbose_name_plural = _("compliance violations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="violation_penalty_non_negative", condition=Q(penalty__gte=0)
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()}"


class PartnerFreeze(models.Model):
    """One freeze of a partner; lifted only after two distinct staff approvals (DESIGN §2.7)."""

    scope_partner_path = None

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="freezes"
    )
    reason = models.TextField(_("reason"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField(_("frozen"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner freeze")
        verbose_name_plural = _("partner freezes")
        ordering = ["-frozen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(lifted_at__isnull=True),
                name="freeze_one_open_per_partner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.frozen_at:%Y-%m-%d}"


class UnfreezeApproval(models.Model):
    """One staff approval to lift a freeze; a person approves a given freeze at most once."""

    scope_partner_path = None

    freeze = models.ForeignKey(PartnerFreeze, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("approved"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("unfreeze approval")
        verbose_name_plural = _("unfreeze approvals")
        constraints = [
            models.UniqueConstraint(fields=["freeze", "approver"], name="unfreeze_one_per_approver")
        ]

    def __str__(self) -> str:
        return f"{self.freeze} · {self.approver}"


# --- tiers, scorecards and NPS (DESIGN §2.3, §2.4) ---------------------------------------------


def _tier_fk(label, related_name="+", null=False):
    return models.ForeignKey(
        Tier,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name=related_name,
        null=null,
        blank=null,
    )


class TierEvaluation(models.Model):
    """One partner's result of the quarterly tier evaluation, with the figures behind it.

    One row per partner and quarter (re-running the job changes nothing). A row whose outcome is
    an upgrade or a downgrade is a proposal that the channel manager confirms or rejects.
    """

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="tier_evaluations",
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    current_tier = _tier_fk(_("tier held"))
    qualified_tier = _tier_fk(_("tier qualified for"))
    proposed_tier = _tier_fk(_("proposed tier"), null=True)
    revenue = models.DecimalField(
        _("trailing-4-quarter revenue"), max_digits=20, decimal_places=2, default=Decimal("0")
    )
    certified_staff = models.PositiveIntegerField(_("certified staff"), default=0)
    senior_certified_staff = models.PositiveIntegerField(_("senior certified staff"), default=0)
    nps = models.IntegerField(_("NPS"), null=True, blank=True)
    open_violations = models.PositiveIntegerField(_("open violations"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=TierOutcome.choices)
    status = models.CharField(
        _("proposal"), max_length=10, choices=ProposalStatus.choices, blank=True, default=""
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
    created_at = models.DateTimeField(_("evaluated"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("tier evaluation")
        verbose_name_plural = _("tier evaluations")
        ordering = ["-quarter", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "quarter"], name="tier_evaluation_once"),
            models.CheckConstraint(
                name="tier_evaluation_proposal_has_tier",
                condition=Q(status="") | Q(proposed_tier__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "quarter"], name="tier_evaluation_status")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.quarter} · {self.get_outcome_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING

    @property
    def figures(self) -> dict:
        return {
            "quarter": self.quarter,
            "revenue": str(self.revenue),
            "certified_staff": self.certified_staff,
            "senior_certified_staff": self.senior_certified_staff,
            "nps": self.nps,
            "open_violations": self.open_violations,
        }


class TierChange(models.Model):
    """One change of a partner's tier and the figures that justified it (append-only history)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="tier_changes"
    )
    from_tier = _tier_fk(_("from"))
    to_tier = _tier_fk(_("to"))
    evaluation = models.OneToOneField(
        TierEvaluation,
        verbose_name=_("evaluation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change",
    )
    figures = models.JSONField(_("figures"), default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.partner} · {self.from_tier} → {self.to_tier}"


WEIGHT_FIELDS = [
    "weight_revenue",
    "weight_marketing",
    "weight_satisfaction",
    "weight_compliance",
    "weight_team",
]


def _weight_field(label, default):
    return models.PositiveSmallIntegerField(label, default=default)


class ScorecardWeights(models.Model):
    """The scorecard's weights per criterion (configurable, summing to 100). The latest row rules;
    earlier rows stay as the history of the configuration."""

    weight_revenue = _weight_field(_("revenue attainment"), 40)
    weight_marketing = _weight_field(_("marketing effectiveness"), 15)
    weight_satisfaction = _weight_field(_("customer satisfaction (NPS)"), 20)
    weight_compliance = _weight_field(_("agreement compliance"), 15)
    weight_team = _weight_field(_("team stability and certifications"), 10)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="scorecard_weights_sum_100",
                condition=Q(
                    weight_revenue=100
                    - models.F("weight_marketing")
                    - models.F("weight_satisfaction")
                    - models.F("weight_compliance")
                    - models.F("weight_team")
                ),
            )
        ]

    def __str__(self) -> str:
        return " / ".join(str(getattr(self, name)) for name in WEIGHT_FIELDS)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in WEIGHT_FIELDS}

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        total = sum(getattr(self, name) or 0 for name in WEIGHT_FIELDS)
        if total != 100:
            message = _("The weights add up to %(total)s; they must add up to 100.") % {
                "total": total
            }
            raise ValidationError(dict.fromkeys(WEIGHT_FIELDS, message))


SCORE_FIELDS = [
    "score_revenue",
    "score_marketing",
    "score_satisfaction",
    "score_compliance",
    "score_team",
]


class Scorecard(models.Model):
    """One scorecard evaluation of a partner: a score 0–100 per criterion, the weights used, the
    weighted total and the class it gives (A ≥ 85, B ≥ 70, C below). Append-only history."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="scorecards"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ScorecardKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.TextField(_("reason"), blank=True)
    score_revenue = models.PositiveSmallIntegerField(_("revenue attainment"))
    score_marketing = models.PositiveSmallIntegerField(_("marketing effectiveness"))
    score_satisfaction = models.PositiveSmallIntegerField(_("customer satisfaction (NPS)"))
    score_compliance = models.PositiveSmallIntegerField(_("agreement compliance"))
    score_team = models.PositiveSmallIntegerField(_("team stability and certifications"))
    weights = models.JSONField(_("weights"), default=dict)
    figures = models.JSONField(_("figures"), default=dict)
    total = models.DecimalField(_("weighted total"), max_digits=5, decimal_places=2)
    classification = models.CharField(_("class"), max_length=1, choices=Classification.choices)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("evaluated"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "year"],
                condition=Q(kind="yearly"),
                name="scorecard_one_yearly_per_partner",
            ),
            *[
                models.CheckConstraint(
                    name=f"scorecard_{name}_0_100", condition=Q(**{f"{name}__lte": 100})
                )
                for name in SCORE_FIELDS
            ],
        ]
        indexes = [models.Index(fields=["partner", "-created_at"], name="scorecard_partner_recent")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.year} · {self.classification}"


class NpsResponse(models.Model):
    """One customer's answer (0–10) to the survey about a partner in a quarter (DESIGN §2.4)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="nps_responses"
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    score = models.PositiveSmallIntegerField(_("score (0–10)"))
    respondent = models.CharField(_("respondent"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    source = models.CharField(
        _("source"), max_length=6, choices=NpsSource.choices, default=NpsSource.FORM
    )
    import_batch = models.ForeignKey(
        "core.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("NPS response")
        verbose_name_plural = _("NPS responses")
        ordering = ["-quarter", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="nps_response_score_0_10", condition=Q(score__lte=10))
        ]
        indexes = [models.Index(fields=["partner", "quarter"], name="nps_partner_quarter")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.quarter} · {self.score}"


# --- agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8) ---------


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
