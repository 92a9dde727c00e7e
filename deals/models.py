"""Products, price lists and deal registrations (DESIGN §4)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedManager
from core.bilingual import BilingualName, bilingual_given
from core.industries import industry_label
from core.money import CURRENCY_CHOICES
from partners.regions import REGIONS

from .choices import (
    OPEN_STATUSES,
    PENDING_STATUSES,
    DealStatus,
    LeadOfferStatus,
    LeadStatus,
    PriceLevel,
)


class ProductFamily(BilingualName, models.Model):
    """A group of products; two deals conflict only when they share a family.
    Named in English, Chinese or both (`display_name` answers in the reader's language)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_zh = models.CharField(
        _("name (Chinese)"), max_length=200, blank=True, default="", db_default=""
    )

    scope_partner_path = None

    class Meta:
        ordering = ["name"]
        verbose_name = _("product family")
        verbose_name_plural = _("product families")
        constraints = [bilingual_given("name", "productfamily_name_given")]

    def __str__(self) -> str:
        return self.display_name


class Product(BilingualName, models.Model):
    """A sellable product, named in English, Chinese or both (`display_name` answers in the
    reader's language). `list_price`, `floor_price` and `currency` are today's guide and floor
    prices of its price list (`PriceListEntry`), kept current by `deals.services.price_lists`."""

    sku = models.CharField(_("SKU"), max_length=60, unique=True)
    name = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_zh = models.CharField(
        _("name (Chinese)"), max_length=200, blank=True, default="", db_default=""
    )
    family = models.ForeignKey(
        ProductFamily, on_delete=models.PROTECT, related_name="products", verbose_name=_("family")
    )
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2)
    floor_price = models.DecimalField(_("floor price"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    is_strategic = models.BooleanField(_("strategic"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    scope_partner_path = None

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_price__gte=0) & Q(floor_price__lte=F("list_price")),
                name="product_floor_within_list",
            ),
            bilingual_given("name", "product_name_given"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.display_name}"


class ProductTierDiscount(models.Model):
    """Today's agreement discount of a tier off one product's list price: kept current from the
    dated agreement entries of the price list (`PriceListEntry`) by `deals.services.price_lists`."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="tier_discounts", verbose_name=_("product")
    )
    tier = models.ForeignKey(
        "partners.Tier", on_delete=models.CASCADE, related_name="+", verbose_name=_("tier")
    )
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    scope_partner_path = None

    class Meta:
        verbose_name = _("tier discount")
        verbose_name_plural = _("tier discounts")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "tier"], name="product_tier_discount_unique"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="product_tier_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.tier_id}: {self.discount_percent}%"


# The first day of the prices a product had before its price list kept dates.
PRICE_LIST_START = datetime.date(1900, 1, 1)


class PriceListEntry(models.Model):
    """One price of a product's price list (DESIGN §4.4), effective on [valid_from, valid_to).

    Guide and floor entries hold a price and its currency; an agreement entry holds a tier's
    discount off the guide price of the same day (the agreement price is always "list less the
    tier's discount"). Append-only: a new price closes the running one; the periods of one
    product, level and tier never overlap (exclusion constraint), rows are never deleted and only
    `valid_to` may move earlier (trigger).
    """

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="price_entries", verbose_name=_("product")
    )
    level = models.CharField(_("level"), max_length=10, choices=PriceLevel.choices)
    tier = models.ForeignKey(
        "partners.Tier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tier"),
    )
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Exclusive; empty while it runs.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    scope_partner_path = None

    class Meta:
        ordering = ["product", "level", "tier", "-valid_from"]
        verbose_name = _("price list entry")
        verbose_name_plural = _("price list entries")
        indexes = [models.Index(fields=["product", "level", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        level=PriceLevel.AGREEMENT,
                        tier__isnull=False,
                        discount_percent__isnull=False,
                        price__isnull=True,
                        currency="",
                    )
                    | Q(
                        level__in=[PriceLevel.GUIDE, PriceLevel.FLOOR],
                        tier__isnull=True,
                        discount_percent__isnull=True,
                        price__isnull=False,
                        price__gte=0,
                    )
                    & ~Q(currency="")
                ),
                name="price_entry_shape_per_level",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | Q(discount_percent__gte=0, discount_percent__lte=100),
                name="price_entry_discount_range",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="price_entry_dates_in_order",
            ),
            ExclusionConstraint(
                name="price_entry_no_overlap",
                expressions=[
                    (F("product"), RangeOperators.EQUAL),
                    (F("level"), RangeOperators.EQUAL),
                    (Coalesce(F("tier"), Value(0)), RangeOperators.EQUAL),
                    (
                        Func(
                            F("valid_from"),
                            F("valid_to"),
                            Value("[)"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        amount = f"{self.discount_percent}%" if self.level == PriceLevel.AGREEMENT else self.price
        return f"{self.product_id} {self.level} {amount} from {self.valid_from}"

    @property
    def shown_from(self) -> datetime.date | None:
        """The start as pages show it: None for a price that holds from the price list's start."""
        return None if self.valid_from == PRICE_LIST_START else self.valid_from

    def covers(self, on: datetime.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


class DealSettings(models.Model):
    """Configurable deal rules (one row): conflict similarity threshold and approval SLA."""

    similarity_threshold = models.DecimalField(
        _("name similarity threshold"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1"))],
    )
    sla_business_days = models.PositiveSmallIntegerField(
        _("approval SLA (business days)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    extension_days = models.PositiveSmallIntegerField(
        _("extension days"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    scope_partner_path = None

    class Meta:
        verbose_name = _("deal settings")
        verbose_name_plural = _("deal settings")

    def __str__(self) -> str:
        return str(_("Deal settings"))

    @classmethod
    def current(cls) -> DealSettings:
        return cls.objects.first() or cls()


class Bigrams(Func):
    """The distinct pairs of adjacent characters of a text (`deals_bigrams`, an immutable SQL
    function of migration 0024): indexed, they find a two-character word (上海, 华为) anywhere in
    a name, where pg_trgm finds no trigram to look up."""

    function = "deals_bigrams"
    output_field = ArrayField(models.TextField())


class Deal(models.Model):
    """A partner's registration of a customer opportunity; protection starts on approval."""

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("partner"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registered_deals",
        verbose_name=_("registered by"),
    )
    customer_name = models.CharField(_("customer legal name"), max_length=300)
    customer_tax_id = models.CharField(_("customer tax ID"), max_length=40, blank=True)
    customer_region = models.CharField(_("customer region"), max_length=8, choices=REGIONS)
    # Sensitive customer fields (DESIGN §2.7): shown in full only to whom `deals.customer_data`
    # allows, masked to everyone else. The database default keeps bulk SQL loads working.
    customer_contact_name = models.CharField(
        _("customer contact person"), max_length=100, blank=True, default="", db_default=""
    )
    customer_contact_phone = models.CharField(
        _("customer contact phone"), max_length=40, blank=True, default="", db_default=""
    )
    customer_contact_email = models.EmailField(
        _("customer contact e-mail"), blank=True, default="", db_default=""
    )
    customer_address = models.CharField(
        _("customer street address"), max_length=300, blank=True, default="", db_default=""
    )
    industry = models.CharField(_("industry"), max_length=40, blank=True)
    project_name = models.CharField(_("project name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    expected_close_date = models.DateField(_("expected close date"))
    competitors = models.CharField(_("competitors"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DealStatus.choices, default=DealStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    sla_due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    protection_ends_at = models.DateTimeField(_("protection ends"), null=True, blank=True)
    customer_fingerprint = models.CharField(_("customer fingerprint"), max_length=300, blank=True)
    conflict_with = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conflicting registration"),
    )
    cross_region = models.BooleanField(_("cross-region"), default=False)
    below_floor = models.BooleanField(_("below floor price"), default=False)
    price_check_held = models.BooleanField(
        _("price check held"),
        default=False,
        help_text=_("A line's floor price could not be converted: no FX rate on submission."),
    )
    expiry_warned_at = models.DateTimeField(_("expiry warning sent"), null=True, blank=True)
    extension_requested_at = models.DateTimeField(_("extension requested"), null=True, blank=True)
    extension_justification = models.TextField(_("extension justification"), blank=True)
    extension_decision = models.CharField(_("extension decision"), max_length=10, blank=True)
    order_number = models.CharField(_("order number"), max_length=60, blank=True)
    closed_on = models.DateField(_("close date"), null=True, blank=True)
    lost_reason = models.TextField(_("lost reason"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_partner_path = "partner"
    scope_parent_visible = True  # a distributor reads its dealers' (DESIGN §1)
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        indexes = [
            # Partial: the conflict check only ever looks at open registrations, a minority of
            # the table once years of won, lost and expired deals pile up.
            GinIndex(
                fields=["customer_fingerprint"],
                name="deal_open_fingerprint_trgm",
                opclasses=["gin_trgm_ops"],
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["customer_tax_id"],
                name="deal_open_tax_id",
                condition=~Q(customer_tax_id="") & Q(status__in=OPEN_STATUSES),
            ),
            # The global search (DESIGN §8.1) reads every registration, whatever its status.
            GinIndex(
                fields=["customer_fingerprint"],
                name="deal_fingerprint_trgm",
                opclasses=["gin_trgm_ops"],
            ),
            GinIndex(fields=["project_name"], name="deal_project_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(
                fields=["customer_tax_id"], name="deal_tax_id", condition=~Q(customer_tax_id="")
            ),
            # A partner's API list, newest first: read in order, never sorted (DESIGN §10).
            models.Index(fields=["partner", "-id"], name="deal_partner_recent"),
            models.Index(fields=["partner", "status"], name="deal_partner_status"),
            models.Index(fields=["status", "submitted_at"], name="deal_status_submitted"),
            models.Index(fields=["status", "protection_ends_at"], name="deal_status_protection"),
            # The approval queue sorts pending registrations by SLA due (DESIGN §4.3).
            models.Index(
                fields=["sla_due_at", "id"],
                name="deal_pending_sla_due",
                condition=Q(status__in=PENDING_STATUSES),
            ),
            # The queue's other sortable columns, either way: without them a sort by submission
            # or customer sorted all 200,000 pending registrations, or walked the whole table's
            # index past the decided ones (0.6 s).
            *(
                models.Index(
                    fields=[column, "id"],
                    name=f"deal_pending_{key}",
                    condition=Q(status__in=PENDING_STATUSES),
                )
                for column, key in (
                    ("submitted_at", "submitted"),
                    ("customer_name", "customer"),
                    ("project_name", "project"),
                )
            ),
            # The queue's rarer flags (its tabs count each one, capped, and list it by SLA due):
            # small partial indexes, so neither walks every pending registration to find few.
            models.Index(
                fields=["sla_due_at", "id"],
                name="deal_pending_cross_region",
                condition=Q(status__in=PENDING_STATUSES) & Q(cross_region=True),
            ),
            models.Index(
                fields=["sla_due_at", "id"],
                name="deal_pending_below_floor",
                condition=Q(status__in=PENDING_STATUSES)
                & (Q(below_floor=True) | Q(price_check_held=True)),
            ),
            # The deal list (DESIGN §10): each scope + default order walks an index and stops
            # after one page — staff newest first, a partner's own (partner first), by state.
            models.Index(fields=["-created_at", "-id"], name="deal_created"),
            models.Index(fields=["partner", "-created_at", "-id"], name="deal_partner_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="deal_status_created"),
            # The list's search: customer or project by any part of the name, in any case (on
            # UPPER(), the expression `icontains` compares), tax ID whole.
            GinIndex(
                OpClass(Upper("customer_name"), name="gin_trgm_ops"),
                name="deal_customer_name_trgm",
            ),
            GinIndex(
                OpClass(Upper("project_name"), name="gin_trgm_ops"), name="deal_project_name_trgm"
            ),
            # Sorting the list by customer or project walks an index too.
            models.Index(fields=["customer_name", "id"], name="deal_customer_name"),
            models.Index(fields=["project_name", "id"], name="deal_project_name"),
            # The approval queue's search (DESIGN §4.3): customer, project and tax ID as
            # `icontains` / `iexact` compare them, and the fingerprint, among pending
            # registrations only, so that a word common in decided ones costs nothing; with the
            # partner ids PostgreSQL ORs them in one bitmap instead of reading the whole queue.
            GinIndex(
                OpClass(Upper("customer_name"), name="gin_trgm_ops"),
                name="deal_pending_customer_trgm",
                condition=Q(status__in=PENDING_STATUSES),
            ),
            GinIndex(
                OpClass(Upper("project_name"), name="gin_trgm_ops"),
                name="deal_pending_project_trgm",
                condition=Q(status__in=PENDING_STATUSES),
            ),
            models.Index(
                Upper("customer_tax_id"),
                name="deal_pending_tax_id",
                condition=Q(status__in=PENDING_STATUSES),
            ),
            GinIndex(
                fields=["customer_fingerprint"],
                name="deal_pending_fingerprint_trgm",
                opclasses=["gin_trgm_ops"],
                condition=Q(status__in=PENDING_STATUSES),
            ),
            # A two-character word in the queue's search: by its bigram, among pending ones.
            GinIndex(
                Bigrams(Upper("customer_name")),
                name="deal_pending_customer_bigram",
                condition=Q(status__in=PENDING_STATUSES),
            ),
            GinIndex(
                Bigrams(Upper("project_name")),
                name="deal_pending_project_bigram",
                condition=Q(status__in=PENDING_STATUSES),
            ),
            GinIndex(
                Bigrams("customer_fingerprint"),
                name="deal_pending_fp_bigram",
                condition=Q(status__in=PENDING_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_name} — {self.customer_name}"

    def get_industry_display(self) -> str:
        return industry_label(self.industry)

    @property
    def needs_director(self) -> bool:
        """Cross-region, below-floor or unchecked pricing: a channel director approves."""
        return self.cross_region or self.below_floor or self.price_check_held

    @property
    def price_check_message(self) -> str:
        """Why the floor price check is held ("" when it is not): products without a floor on the
        submission date, or the missing FX rates."""
        if not self.price_check_held:
            return ""
        on = timezone.localdate(self.submitted_at) if self.submitted_at else timezone.localdate()
        held = [line for line in self.lines.all() if not line.final and line.floor_price is None]
        floors = {
            e.product_id: e
            for e in PriceListEntry.objects.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gt=on),
                product_id__in=[line.product_id for line in held],
                level=PriceLevel.FLOOR,
                valid_from__lte=on,
            )
        }
        messages = []
        unpriced = sorted({line.product.sku for line in held if line.product_id not in floors})
        if unpriced:
            messages.append(
                _(
                    "The floor price check is held: %(products)s had no floor price on "
                    "%(date)s. A channel director must approve the pricing."
                )
                % {"products": ", ".join(unpriced), "date": on.isoformat()}
            )
        sources = sorted(
            {floors[line.product_id].currency for line in held if line.product_id in floors}
        )
        if sources:
            messages.append(
                _(
                    "The floor price check is held: no FX rate from %(sources)s to %(currency)s on "
                    "or before %(date)s. A channel director must approve the pricing."
                )
                % {"sources": ", ".join(sources), "currency": self.currency, "date": on.isoformat()}
            )
        return " ".join(messages)

    @property
    def is_editable(self) -> bool:
        return self.status == DealStatus.DRAFT


class DealLine(models.Model):
    """One product line of a registration (or of the won order, `final=True`)."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("deal")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    final = models.BooleanField(_("final order line"), default=False)
    floor_price = models.DecimalField(
        _("floor price"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "The product's floor in the deal's currency at the FX rate of the submission date."
        ),
    )

    scope_partner_path = "deal__partner"
    scope_parent_visible = True  # a distributor reads its dealers' (DESIGN §1)
    objects = ScopedManager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="deal_line_quantity_positive"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="deal_line_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def is_below_floor(self) -> bool:
        """Compared in the deal's currency; a line without a converted floor is not yet checked."""
        return self.floor_price is not None and self.unit_price < self.floor_price


class Lead(models.Model):
    """A customer opportunity the vendor hands to partners (DESIGN §4.6).

    Vendor data: partner users reach a lead only through their company's `LeadOffer`.
    """

    customer_name = models.CharField(_("customer legal name"), max_length=300)
    customer_tax_id = models.CharField(_("customer tax ID"), max_length=40, blank=True)
    customer_region = models.CharField(_("customer region"), max_length=8, choices=REGIONS)
    # Sensitive customer fields (DESIGN §2.7): shown in full only to whom `deals.customer_data`
    # allows, masked to everyone else. The database default keeps bulk SQL loads working.
    customer_contact_name = models.CharField(
        _("customer contact person"), max_length=100, blank=True, default="", db_default=""
    )
    customer_contact_phone = models.CharField(
        _("customer contact phone"), max_length=40, blank=True, default="", db_default=""
    )
    customer_contact_email = models.EmailField(
        _("customer contact e-mail"), blank=True, default="", db_default=""
    )
    customer_address = models.CharField(
        _("customer street address"), max_length=300, blank=True, default="", db_default=""
    )
    industry = models.CharField(_("industry"), max_length=40, blank=True)
    project_name = models.CharField(_("project name"), max_length=200)
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.EXCLUSIVE
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"))
    exclusive_until = models.DateTimeField(_("exclusive until"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened to all at"), null=True, blank=True)
    accepted_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by partner"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    deal = models.OneToOneField(
        Deal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead",
        verbose_name=_("deal registration"),
    )

    scope_partner_path = None
    objects = ScopedManager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["status", "exclusive_until"], name="lead_status_window"),
            # The global search (DESIGN §8.1).
            GinIndex(
                fields=["customer_name"], name="lead_customer_trgm", opclasses=["gin_trgm_ops"]
            ),
            GinIndex(fields=["project_name"], name="lead_project_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(
                fields=["customer_tax_id"], name="lead_tax_id", condition=~Q(customer_tax_id="")
            ),
            models.Index(fields=["-published_at", "-id"], name="lead_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0), name="lead_value_non_negative"
            ),
            # An accepted lead has exactly one partner and its deal; no other lead has either.
            models.CheckConstraint(
                condition=(
                    Q(
                        status="accepted",
                        accepted_partner__isnull=False,
                        deal__isnull=False,
                        accepted_at__isnull=False,
                    )
                    | (~Q(status="accepted") & Q(accepted_partner__isnull=True, deal__isnull=True))
                ),
                name="lead_accepted_has_partner_and_deal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_name} — {self.customer_name}"

    def get_industry_display(self) -> str:
        return industry_label(self.industry)


class LeadOffer(models.Model):
    """A lead offered to one partner: exclusively (core partners first) or once it opened."""

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="offers", verbose_name=_("lead")
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="lead_offers",
        verbose_name=_("partner"),
    )
    exclusive = models.BooleanField(_("exclusive offer"), default=False)
    offered_at = models.DateTimeField(_("offered at"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=LeadOfferStatus.choices,
        default=LeadOfferStatus.OFFERED,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_partner_path = "partner"
    objects = ScopedManager()

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("lead offer")
        verbose_name_plural = _("lead offers")
        constraints = [
            models.UniqueConstraint(fields=["lead", "partner"], name="lead_offer_once"),
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(status="accepted"),
                name="lead_offer_one_accepted",
            ),
        ]
        indexes = [models.Index(fields=["partner", "status"], name="lead_offer_partner_status")]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.partner_id}"


class DealHandover(models.Model):
    """One registration handed over when its partner leaves (DESIGN §2.9): to another partner, who
    takes the deal with its history, or back to the vendor (`to_partner` empty), which ends the
    protection. The leaving partner keeps no access to a deal handed to another partner."""

    deal = models.ForeignKey(
        Deal,
        on_delete=models.PROTECT,
        related_name="handovers",
        verbose_name=_("deal registration"),
    )
    partner_exit = models.ForeignKey(
        "partners.PartnerExit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("exit"),
    )
    from_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from partner"),
    )
    to_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to partner"),
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    handed_over_at = models.DateTimeField(_("handed over at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    # Vendor records of the exit: staff read them; the partners involved read the deal itself.
    scope_partner_path = None
    objects = ScopedManager()

    class Meta:
        ordering = ["-handed_over_at", "-pk"]
        verbose_name = _("deal handover")
        verbose_name_plural = _("deal handovers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(to_partner=F("from_partner")), name="deal_handover_to_another"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_partner_id} → {self.to_partner_id or 'vendor'}"
