"""Marketing development funds (DESIGN §7): an append-only ledger, fund requests, claims, results."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.scoping import Area, ScopedManager
from core.money import CURRENCY_CHOICES

from .choices import (
    ActivityType,
    ClaimStatus,
    LedgerKind,
    RequestStatus,
    SettlementState,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


class MdfLedgerEntry(models.Model):
    """One signed movement of a partner's MDF balance. Rows are append-only (DB trigger).

    The balance is the sum of the entries; allocations are positive, reservations, reimbursements
    and expiries negative, releases positive.
    """

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="mdf_entries",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    quarter = models.CharField(_("quarter"), max_length=6)
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fund_request = models.ForeignKey(
        "funds.FundRequest",
        verbose_name=_("fund request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    claim = models.ForeignKey(
        "funds.Claim",
        verbose_name=_("claim"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("MDF ledger entry")
        verbose_name_plural = _("MDF ledger entries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "quarter"], name="mdf_entry_partner_quarter")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "quarter", "kind"],
                condition=Q(kind__in=["accrual", "expiry"]),
                name="mdf_one_accrual_expiry_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["fund_request", "kind"],
                condition=Q(kind__in=["reservation", "release"]),
                name="mdf_one_reservation_release_per_request",
            ),
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(kind="reimbursement"),
                name="mdf_one_reimbursement_per_claim",
            ),
            models.CheckConstraint(
                name="mdf_entry_sign_by_kind",
                condition=(
                    Q(kind__in=["accrual", "discretionary", "release"], amount__gte=0)
                    | Q(kind__in=["reservation", "reimbursement", "expiry"], amount__lte=0)
                ),
            ),
            models.CheckConstraint(
                name="mdf_discretionary_has_reason",
                condition=~Q(kind="discretionary") | ~Q(reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.currency} {self.amount}"


class FundRequest(models.Model):
    """A partner's request for co-funding of one marketing activity (vendor share ≤ 50%)."""

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="fund_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    activity_type = models.CharField(
        _("activity type"), max_length=20, choices=ActivityType.choices
    )
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    total_budget = models.DecimalField(_("total budget"), **MONEY)
    requested_amount = models.DecimalField(_("requested vendor share"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount_cny = models.DecimalField(_("amount (CNY equivalent)"), **MONEY)
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    required_roles = ArrayField(
        models.CharField(max_length=20), verbose_name=_("required roles"), default=list
    )
    approver_roles = ArrayField(
        models.CharField(max_length=20), verbose_name=_("approver roles"), default=list
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    approved_amount = models.DecimalField(_("approved amount"), null=True, blank=True, **MONEY)
    decision_note = models.TextField(_("decision note"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("fund request")
        verbose_name_plural = _("fund requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "end_date"], name="fundrequest_status_end"),
            # The request list, newest first: all of them, and a partner's own.
            models.Index(fields=["-submitted_at", "-id"], name="fundrequest_submitted"),
            models.Index(
                fields=["partner", "-submitted_at", "-id"], name="fundrequest_partner_submitted"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="fundrequest_share_at_most_half",
                condition=Q(requested_amount__gt=0)
                & Q(requested_amount__lte=models.F("total_budget") / 2),
            ),
            models.CheckConstraint(
                name="fundrequest_dates_ordered", condition=Q(end_date__gte=models.F("start_date"))
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def share(self) -> Decimal:
        """The vendor's share of the budget (requested amount ÷ total budget)."""
        return self.requested_amount / self.total_budget


class FundRequestAttachment(models.Model):
    scope_partner_path = "fund_request__partner"

    fund_request = models.ForeignKey(
        FundRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="funds/requests/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedManager()

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class ApprovalRule(models.Model):
    """One row of the MDF approval matrix (configurable): requests up to `max_amount_cny`."""

    scope_partner_path = None

    max_amount_cny = models.DecimalField(
        _("up to (CNY equivalent)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the row that covers every larger amount."),
        **MONEY,
    )
    approver_roles = ArrayField(
        models.CharField(max_length=20), verbose_name=_("roles that may approve")
    )
    required_roles = ArrayField(
        models.CharField(max_length=20),
        verbose_name=_("roles that must be among the approvers"),
        default=list,
        blank=True,
    )
    approvals_required = models.PositiveSmallIntegerField(
        _("distinct approvers required"), default=1
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("MDF approval rule")
        verbose_name_plural = _("MDF approval rules")
        ordering = [models.F("max_amount_cny").asc(nulls_last=True)]
        constraints = [
            models.CheckConstraint(
                name="approvalrule_at_least_one", condition=Q(approvals_required__gte=1)
            )
        ]

    def __str__(self) -> str:
        limit = self.max_amount_cny if self.max_amount_cny is not None else "∞"
        return f"≤ {limit}: {', '.join(self.approver_roles)} × {self.approvals_required}"


class FundApproval(models.Model):
    """One approver's signature on a fund request."""

    scope_partner_path = "fund_request__partner"

    fund_request = models.ForeignKey(
        FundRequest, on_delete=models.PROTECT, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("approved"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund_request", "approver"], name="fundapproval_distinct_people"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fund_request_id}: {self.role}"

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else self.role


class Claim(models.Model):
    """The partner's claim for reimbursement after the activity, filed within 60 days of its end."""

    scope_partner_path = "fund_request__partner"
    scope_area = Area.FINANCE

    fund_request = models.OneToOneField(
        FundRequest, verbose_name=_("fund request"), on_delete=models.PROTECT, related_name="claim"
    )
    actual_spend = models.DecimalField(_("actual spend"), **MONEY)
    leads_generated = models.PositiveIntegerField(_("leads generated"), default=0)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    reimbursement_amount = models.DecimalField(_("reimbursement"), null=True, blank=True, **MONEY)
    settlement_state = models.CharField(
        _("statement"),
        max_length=20,
        choices=SettlementState.choices,
        default=SettlementState.NONE,
        blank=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"))
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="claim_spend_positive", condition=Q(actual_spend__gt=0))
        ]

    def __str__(self) -> str:
        return str(self.fund_request)


class ClaimAttachment(models.Model):
    """Proof of performance: invoices, photos, attendee lists."""

    scope_partner_path = "claim__fund_request__partner"
    scope_area = Area.FINANCE

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="funds/claims/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedManager()

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class ActivityResult(models.Model):
    """Leads and deal revenue attributed to one funded activity (entered by staff or partner)."""

    scope_partner_path = "fund_request__partner"

    fund_request = models.OneToOneField(
        FundRequest, verbose_name=_("fund request"), on_delete=models.PROTECT, related_name="result"
    )
    leads_count = models.PositiveIntegerField(_("leads"), default=0)
    deal_revenue = models.DecimalField(_("attributed deal revenue"), default=0, **MONEY)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="activityresult_revenue_non_negative", condition=Q(deal_revenue__gte=0)
            )
        ]

    def __str__(self) -> str:
        return str(self.fund_request)
