"""Partner companies, the tier table they are ranked by, applications and compliance (DESIGN §2.1–2.3, §2.7)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.scoping import ScopedManager
from core.industries import industry_label
from core.money import CURRENCY_CHOICES

from ..choices import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    Classification,
    PartnerStatus,
    PartnerType,
    RevenueBand,
    TierCode,
    ViolationKind,
    ViolationStatus,
)
from ..regions import region_names


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
    scope_parent_visible = True  # a distributor reads its dealers' (DESIGN §1)

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
            # The global search (DESIGN §8.1); the tax ID is unique, hence indexed already.
            GinIndex(fields=["legal_name"], name="partner_name_trgm", opclasses=["gin_trgm_ops"]),
            # A name by any part in any case as `icontains` compares it (UPPER on both sides):
            # the directory's search, the approval queue's search by partner.
            GinIndex(
                OpClass(Upper("legal_name"), name="gin_trgm_ops"), name="partner_name_upper_trgm"
            ),
            # The directory's order (by name): the first page is read from the index, not every
            # partner joined and sorted (DESIGN §10).
            models.Index(fields=["legal_name", "id"], name="partner_name_order"),
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
    def region_names(self) -> str:
        """The territory's regions by name, as the forms show them."""
        return region_names(self.regions)

    @property
    def specialization_labels(self) -> list[str]:
        """The specializations as the reader reads them (known industries translated)."""
        return [industry_label(tag) for tag in self.specializations or []]

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
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="application_status"),
            # The API list's order (DESIGN §10).
            models.Index(fields=["-submitted_at"], name="application_recent"),
        ]
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
    def region_names(self) -> str:
        """The territory's regions by name, as the forms show them."""
        return region_names(self.regions)

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
