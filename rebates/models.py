"""Sales lines, rebate programmes, targets and accruals (DESIGN §5)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import Area, ScopedManager
from core.bilingual import BilingualName, bilingual_given
from core.money import CURRENCY_CHOICES

from .choices import LineKind, LineSource, PeriodType, ProgrammeMode, RevenueSource


class SalesLine(models.Model):
    """One invoiced line (sale, or return/credit note). Append-only: a trigger refuses UPDATE/DELETE.

    `net_amount` is the invoice's positive net amount; `kind` says whether it adds or subtracts.
    """

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    # A million-line import would spend most of its time in per-row foreign-key triggers and
    # extra indexes. Every writer joins the partners table itself (the importer reports unknown
    # tax IDs), lines are append-only, and partners and batches are never deleted (PROTECT), so
    # the two references carry no database constraint; the partner leads the unique key's index.
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    order_number = models.CharField(_("order number"), max_length=60)
    invoice_number = models.CharField(_("invoice number"), max_length=60)
    line_number = models.PositiveIntegerField(_("invoice line"))
    invoice_date = models.DateField(_("invoice date"))
    product_code = models.CharField(_("product code"), max_length=60)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    net_amount = models.DecimalField(_("net amount"), max_digits=20, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    kind = models.CharField(_("kind"), max_length=6, choices=LineKind.choices)
    deal_reference = models.CharField(_("deal reference"), max_length=60, blank=True)
    source = models.CharField(
        _("source"), max_length=6, choices=LineSource.choices, default=LineSource.IMPORT
    )
    import_batch = models.ForeignKey(
        "core.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("sales line")
        verbose_name_plural = _("sales lines")
        ordering = ["-invoice_date", "invoice_number", "line_number"]
        constraints = [
            # A line is identified per partner (two partners' invoices may share numbers). With the
            # partner first, the same index serves the per-partner reads, so an import maintains
            # two indexes (this and the primary key), not three.
            models.UniqueConstraint(
                fields=["partner", "invoice_number", "line_number"],
                name="salesline_unique_partner_invoice_line",
            ),
            models.CheckConstraint(
                name="salesline_net_amount_non_negative", condition=Q(net_amount__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number}/{self.line_number}"


# The fields a person edits on a programme: the page's form, the API and the audit trail of
# `programme_save` all use this one list.
PROGRAMME_FIELDS = [
    "name",
    "name_zh",
    "mode",
    "revenue_source",
    "eligible_product_codes",
    "strategic_product_codes",
    "strategic_bonus",
    "nps_low_below",
    "nps_low_factor",
    "nps_high_from",
    "nps_high_factor",
    "contract_cap",
    "base_amount",
    "share_rate",
    "is_active",
]


class Programme(BilingualName, models.Model):
    """A rebate programme as data: eligibility, brackets or base+share, bonus, modifiers, cap.

    Named in English, Chinese or both (`display_name` answers in the reader's language)."""

    scope_partner_path = None

    name = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_zh = models.CharField(
        _("name (Chinese)"), max_length=120, blank=True, default="", db_default=""
    )
    period_type = models.CharField(
        _("period"), max_length=10, choices=PeriodType.choices, default=PeriodType.QUARTER
    )
    mode = models.CharField(
        _("rule"), max_length=12, choices=ProgrammeMode.choices, default=ProgrammeMode.RETROACTIVE
    )
    # Sell-through revenue is what partners reported selling to end customers (inventory's
    # `inventory_sell_through_v`); its contract, for the cap, is the end customer.
    revenue_source = models.CharField(
        _("revenue from"),
        max_length=12,
        choices=RevenueSource.choices,
        default=RevenueSource.SELL_IN,
        db_default=RevenueSource.SELL_IN,
    )
    eligible_product_codes = ArrayField(
        models.CharField(max_length=60),
        verbose_name=_("eligible product codes (empty: all)"),
        default=list,
        blank=True,
    )
    strategic_product_codes = ArrayField(
        models.CharField(max_length=60),
        verbose_name=_("strategic product codes"),
        default=list,
        blank=True,
    )
    strategic_bonus = models.DecimalField(
        _("strategic bonus (rate, at attainment ≥ 100%)"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.0300"),
    )
    nps_low_below = models.IntegerField(_("NPS below this lowers the rebate"), default=0)
    nps_low_factor = models.DecimalField(
        _("factor for low NPS"), max_digits=5, decimal_places=3, default=Decimal("0.900")
    )
    nps_high_from = models.IntegerField(_("NPS from this raises the rebate"), default=50)
    nps_high_factor = models.DecimalField(
        _("factor for high NPS"), max_digits=5, decimal_places=3, default=Decimal("1.050")
    )
    contract_cap = models.DecimalField(
        _("cap per contract (share of its revenue)"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2000"),
    )
    base_amount = models.DecimalField(
        _("base amount (base plus share)"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    share_rate = models.DecimalField(
        _("share of revenue above target (base plus share)"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("rebate programme")
        verbose_name_plural = _("rebate programmes")
        ordering = ["name", "name_zh"]
        constraints = [
            bilingual_given("name", "programme_name_given"),
            models.UniqueConstraint(
                fields=["name"],
                condition=~Q(name=""),
                name="programme_name_unique",
                violation_error_code="unique",
                violation_error_message=_("A programme with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["name_zh"],
                condition=~Q(name_zh=""),
                name="programme_name_zh_unique",
                violation_error_code="unique",
                violation_error_message=_("A programme with this name already exists."),
            ),
            models.CheckConstraint(
                name="programme_rates_in_range",
                condition=Q(strategic_bonus__gte=0)
                & Q(contract_cap__gte=0)
                & Q(contract_cap__lte=1)
                & Q(share_rate__gte=0)
                & Q(base_amount__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class Bracket(models.Model):
    """Attainment from `lower`% up to (not including) `upper`% earns `rate`; the last is open."""

    scope_partner_path = None

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="brackets")
    lower = models.DecimalField(_("from attainment %"), max_digits=7, decimal_places=2)
    upper = models.DecimalField(
        _("to attainment % (empty: no limit)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
    )
    rate = models.DecimalField(_("rebate rate"), max_digits=6, decimal_places=4)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("bracket")
        verbose_name_plural = _("brackets")
        ordering = ["programme", "lower"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "lower"], name="bracket_unique_lower"),
            models.CheckConstraint(
                name="bracket_upper_above_lower",
                condition=Q(upper__isnull=True) | Q(upper__gt=models.F("lower")),
            ),
            models.CheckConstraint(
                name="bracket_rate_range", condition=Q(rate__gte=0) & Q(rate__lte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lower}%–{self.upper if self.upper is not None else '∞'}%: {self.rate}"


def brackets_validate(rows: list[tuple[Decimal, Decimal | None, Decimal]]) -> None:
    """Brackets must start at 0%, touch each other without gap or overlap, and end open."""
    if not rows:
        raise ValidationError(_("A bracket programme needs at least one bracket."))
    ordered = sorted(rows, key=lambda r: r[0])
    if ordered[0][0] != 0:
        raise ValidationError(_("The first bracket must start at 0%."))
    for (_lower, upper, _rate), (next_lower, _u, _r) in zip(ordered, ordered[1:], strict=False):
        if upper is None or upper > next_lower:
            raise ValidationError(_("Brackets overlap at %(value)s%%.") % {"value": next_lower})
        if upper < next_lower:
            raise ValidationError(
                _("Brackets leave a gap between %(a)s%% and %(b)s%%.")
                % {"a": upper, "b": next_lower}
            )
    if ordered[-1][1] is not None:
        raise ValidationError(_("The last bracket must have no upper limit."))
    for lower, upper, rate in ordered:
        if upper is not None and upper <= lower:
            raise ValidationError(_("A bracket must end above where it starts."))
        if not 0 <= rate <= 1:
            raise ValidationError(_("A rate must be between 0 and 1."))


class Target(models.Model):
    """A partner's target for one programme and quarter, in its contract currency (importable)."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="targets")
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("quarter"), max_length=6)
    amount = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["-period", "partner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "partner", "period"], name="target_unique_per_quarter"
            ),
            models.CheckConstraint(name="target_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="target_period_format", condition=Q(period__regex=r"^\d{4}Q[1-4]$")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.period}: {self.amount} {self.currency}"


class ContractRevenue(models.Model):
    """Eligible revenue of one contract under one programme in one quarter, per line currency.

    Derived data the calculation reads instead of the sales lines: `net` is the signed sum of the
    contract's eligible lines (returns subtract), `strategic_net` the part on strategic products.
    Lines are added in sets, up to the watermark of the programme quarter's `ContractRevenueBuild`
    (after each import, and by every calculation before it reads); a quarter is built from its
    lines the first time, and rebuilt when the programme's products change.
    """

    # Internal to the calculation: no partner-facing reads, so no scoping manager. A million-line
    # import adds up to a million rows, so the key is the only index (the primary key) and there
    # are no foreign-key checks.
    pk = models.CompositePrimaryKey("programme", "period", "partner", "contract", "currency")
    programme = models.ForeignKey(
        Programme,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    period = models.CharField(max_length=6)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # Byte order: contract references are identifiers, and "C" comparisons are the cheapest.
    contract = models.CharField(max_length=60, db_collation="C")
    currency = models.CharField(max_length=3)
    net = models.DecimalField(max_digits=24, decimal_places=4)
    strategic_net = models.DecimalField(max_digits=24, decimal_places=4)

    class Meta:
        verbose_name = _("contract revenue")
        verbose_name_plural = _("contract revenues")
        indexes = [
            # The few contracts the calculation evaluates one by one (rebates.calculation
            # NOT_PLAIN): returns above sales, or strategic revenue outside 0..net.
            models.Index(
                fields=["programme", "period", "partner"],
                condition=~Q(net__gt=0, strategic_net__gte=0, strategic_net__lte=models.F("net")),
                name="contract_revenue_not_plain",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.period} {self.partner_id} {self.contract}"


class ContractRevenueBuild(models.Model):
    """A programme quarter whose `ContractRevenue` rows count every sales line up to a watermark.

    `line_watermark` is the highest sales line id added; `products_key` fingerprints the
    programme's eligible and strategic product codes the rows were built for
    (`rebates_products_key()` in SQL): when they change, the rows are rebuilt.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=6)
    products_key = models.CharField(max_length=32)
    line_watermark = models.BigIntegerField()
    built_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("contract revenue build")
        verbose_name_plural = _("contract revenue builds")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period"], name="contract_revenue_build_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.period}"


class Accrual(models.Model):
    """The rebate a partner has earned under one programme in one quarter, with its trace.

    Written only by the set-based calculation (upsert, idempotent); never negative.
    """

    scope_partner_path = "partner"
    scope_area = Area.FINANCE
    scope_parent_visible = True  # a distributor reads its dealers' (DESIGN §1)

    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="accruals"
    )
    period = models.CharField(_("quarter"), max_length=6)
    amount = models.DecimalField(_("accrued rebate"), max_digits=18, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    revenue = models.DecimalField(_("eligible revenue"), max_digits=22, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    attainment = models.DecimalField(_("attainment"), max_digits=12, decimal_places=6)
    effective_rate = models.DecimalField(_("effective rate"), max_digits=12, decimal_places=8)
    trace = models.JSONField(_("calculation trace"), default=dict)
    inputs_hash = models.CharField(max_length=32)
    calculated_at = models.DateTimeField(_("calculated"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("accrual")
        verbose_name_plural = _("accruals")
        ordering = ["-period", "partner_id", "programme_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "programme", "period"], name="accrual_unique_per_quarter"
            ),
            models.CheckConstraint(name="accrual_non_negative", condition=Q(amount__gte=0)),
        ]
        indexes = [
            models.Index(fields=["period", "partner"], name="accrual_period_partner"),
            # The API list's order (newest quarter first), read in order (DESIGN §10).
            models.Index(fields=["-period", "partner", "programme"], name="accrual_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.programme_id} {self.period}: {self.amount}"


class AccrualFailure(models.Model):
    """A partner the calculation could not compute for a programme quarter, and why: its figures
    do not fit the accrual (a poison sales line). The run completes for everyone else; finance
    sees these on the accruals page. Removed when a later run computes the partner."""

    scope_partner_path = "partner"
    scope_area = Area.FINANCE

    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("quarter"), max_length=6)
    # The figures the calculation reached, as text (they do not fit the accrual's columns).
    revenue = models.TextField(_("eligible revenue"))
    attainment = models.TextField(_("attainment"))
    amount = models.TextField(_("accrued rebate"))
    recorded_at = models.DateTimeField(_("recorded"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("accrual failure")
        verbose_name_plural = _("accrual failures")
        ordering = ["-period", "partner_id", "programme_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "programme", "period"], name="accrual_failure_once_per_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.programme_id} {self.period}"


class QuarterClose(models.Model):
    """A quarter whose accruals were handed to settlement: from then on they are final.

    `line_watermark` is the highest sales line id counted; a return invoiced in the quarter with a
    higher id arrived too late and becomes a clawback on the next statement (DESIGN §5.1).
    """

    scope_partner_path = None

    period = models.CharField(_("quarter"), max_length=6, unique=True)
    line_watermark = models.BigIntegerField(_("last sales line counted"))
    accruals_queued = models.PositiveIntegerField(_("accruals handed to settlement"))
    closed_at = models.DateTimeField(_("closed"))
    closed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("closed rebate quarter")
        verbose_name_plural = _("closed rebate quarters")
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(
                name="quarter_close_period_format", condition=Q(period__regex=r"^\d{4}Q[1-4]$")
            ),
        ]

    def __str__(self) -> str:
        return self.period
