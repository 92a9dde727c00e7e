from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.db.models.manager import BaseManager
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.representation import ReadPlan
from core.money import CURRENCY_CHOICES
from partners.models import Tier

from ..attribution import activities_of, activity_of, attributable_requests_for
from ..choices import PriceLevel
from ..customer_data import SENSITIVE_CUSTOMER_FIELDS, customer_contact_for, sees_customer_contact
from ..models import Deal, DealLine, DealSettings, Lead, LeadOffer, PriceListEntry, Product
from ..services.price_lists import PriceChange, price_change_errors


class DealLineSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(
        slug_field="sku", queryset=Product.objects.filter(is_active=True)
    )
    product_name = serializers.CharField(source="product.name", read_only=True)
    product_name_zh = serializers.CharField(source="product.name_zh", read_only=True)
    # The product's name in the reader's language (the other one when only that is given).
    product_display_name = serializers.CharField(source="product.display_name", read_only=True)

    class Meta:
        model = DealLine
        fields = [
            "product",
            "product_name",
            "product_name_zh",
            "product_display_name",
            "quantity",
            "unit_price",
            "final",
            "floor_price",
        ]
        read_only_fields = ["final", "floor_price"]


@extend_schema_field(OpenApiTypes.INT)
class ActivityField(serializers.PrimaryKeyRelatedField):
    """The MDF activity a deal came from, by id: funds keeps the link (see deals.attribution)."""

    def get_queryset(self):
        # An unknown id and another company's activity get the same "does not exist" answer.
        user = getattr(self.context.get("request"), "user", None)
        return attributable_requests_for(partner_id=getattr(user, "partner_id", None))

    def get_attribute(self, instance: Deal):
        # One deal at a time: the list reads its page's activities at once (DealListSerializer).
        return activity_of(instance)


class DealListSerializer(serializers.ListSerializer):
    """A page of deals, each as `DealSerializer` gives it (the detail's representation).

    A list pays DRF's per-field machinery on every value of every row, so it is read through a
    `ReadPlan` of `DealSerializer` and `DealLineSerializer` (their own fields, read once per
    process) instead: the page's lines in one query of their columns and their products' names,
    its MDF activities in another. The deals come without their lines (the list's queryset); a
    held price check still reads the deal's lines and products, as the detail does.
    """

    def to_representation(self, data):
        deals = list(data.all() if isinstance(data, BaseManager) else data)
        child = self.child
        activities = activities_of(deal.pk for deal in deals)
        held = [deal for deal in deals if deal.price_check_held]
        if held:
            prefetch_related_objects(held, "lines__product")
        lines = _line_rows(deals)
        line_plan = ReadPlan.of(DealLineSerializer)
        plan = ReadPlan.of(type(child), custom=("fund_request", "lines"))
        readers = {
            "fund_request": lambda deal: _pk(activities.get(deal.pk)),
            "lines": lambda deal: [line_plan.represent(row) for row in lines.get(deal.pk, ())],
        }
        return [
            child.with_contact(plan.represent(deal, serializer=child, readers=readers), deal)
            for deal in deals
        ]


class _LineRow:
    """A deal line as the list reads it: its columns and its product's names."""

    __slots__ = ("product", "quantity", "unit_price", "final", "floor_price")

    def __init__(self, product, quantity, unit_price, final, floor_price):
        self.product = product
        self.quantity = quantity
        self.unit_price = unit_price
        self.final = final
        self.floor_price = floor_price


# What the lines show of their product, in the model's column order (as `Model.from_db` takes it).
LINE_PRODUCT_FIELDS = tuple(
    field.attname
    for field in Product._meta.concrete_fields
    if field.attname in {"id", "sku", "name", "name_zh"}
)
PRODUCT_ID = LINE_PRODUCT_FIELDS.index("id")


def _line_rows(deals: list[Deal]) -> dict[int, list[_LineRow]]:
    """The lines of these deals in their order (by id), with their products (one query)."""
    if not deals:
        return {}
    products: dict[int, Product] = {}
    by_deal: dict[int, list[_LineRow]] = {}
    rows = (
        DealLine.objects.unrestricted("the deals the caller has already scoped")
        .filter(deal_id__in=[deal.pk for deal in deals])
        .order_by("pk")
        .values_list(
            "deal_id",
            "quantity",
            "unit_price",
            "final",
            "floor_price",
            *(f"product__{name}" for name in LINE_PRODUCT_FIELDS),
        )
    )
    for deal_id, quantity, unit_price, final, floor_price, *product_values in rows:
        product_id = product_values[PRODUCT_ID]
        product = products.get(product_id)
        if product is None:
            product = products[product_id] = Product.from_db(
                rows.db, LINE_PRODUCT_FIELDS, product_values
            )
        by_deal.setdefault(deal_id, []).append(
            _LineRow(product, quantity, unit_price, final, floor_price)
        )
    return by_deal


def _pk(row):
    return None if row is None else row.pk


class DealSerializer(serializers.ModelSerializer):
    """Never exposes the conflicting registration: a partner only learns that a conflict exists."""

    lines = DealLineSerializer(many=True)
    fund_request = ActivityField(
        required=False,
        allow_null=True,
        help_text="The co-funded marketing activity (MDF request id) this opportunity came from.",
    )
    has_conflict = serializers.SerializerMethodField()
    price_check_message = serializers.SerializerMethodField()

    class Meta:
        model = Deal
        list_serializer_class = DealListSerializer
        fields = [
            "id",
            "partner",
            "customer_name",
            "customer_tax_id",
            "customer_region",
            *SENSITIVE_CUSTOMER_FIELDS,
            "industry",
            "project_name",
            "currency",
            "expected_close_date",
            "competitors",
            "notes",
            "status",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "protection_ends_at",
            "cross_region",
            "below_floor",
            "price_check_held",
            "price_check_message",
            "has_conflict",
            "order_number",
            "closed_on",
            "fund_request",
            "lines",
        ]
        read_only_fields = [
            "id",
            "partner",
            "status",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "protection_ends_at",
            "cross_region",
            "below_floor",
            "price_check_held",
            "order_number",
            "closed_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        # Who sees the customer's contact masked cannot overwrite it either (DESIGN §2.7).
        if isinstance(self.instance, Deal) and not sees_customer_contact(
            user=user, record=self.instance
        ):
            for name in SENSITIVE_CUSTOMER_FIELDS:
                self.fields[name].read_only = True

    def to_representation(self, instance: Deal) -> dict:
        return self.with_contact(super().to_representation(instance), instance)

    def with_contact(self, data: dict, instance: Deal) -> dict:
        """The sensitive customer fields as the requesting user may see them."""
        return data | _contact_fields(self, instance)

    def get_has_conflict(self, deal: Deal) -> bool:
        return deal.conflict_with_id is not None

    def get_price_check_message(self, deal: Deal) -> str:
        """Why the floor price check is held: the missing FX rates ("" when it is not held)."""
        return str(deal.price_check_message)

    def validate_lines(self, value):
        if not value:
            raise serializers.ValidationError("At least one line is required.")
        return value


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


LEAD_PUBLIC_FIELDS = [
    "id",
    "project_name",
    "customer_name",
    "customer_tax_id",
    "customer_region",
    *SENSITIVE_CUSTOMER_FIELDS,
    "industry",
    "estimated_value",
    "currency",
    "description",
    "status",
    "published_at",
    "exclusive_until",
    "opened_at",
]


class LeadSerializer(serializers.ModelSerializer):
    """Staff view of a lead, and what staff send to publish one."""

    accepted_partner = serializers.PrimaryKeyRelatedField(read_only=True)
    deal = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Lead
        fields = [*LEAD_PUBLIC_FIELDS, "accepted_partner", "accepted_at", "deal"]
        read_only_fields = [
            "id",
            "status",
            "published_at",
            "exclusive_until",
            "opened_at",
            "accepted_at",
        ]

    def to_representation(self, instance: Lead) -> dict:
        return super().to_representation(instance) | _contact_fields(self, instance)


class LeadOfferSerializer(serializers.ModelSerializer):
    """A partner's view: the lead and its own offer, never who else was offered or accepted it."""

    lead = serializers.SerializerMethodField()

    class Meta:
        model = LeadOffer
        fields = ["lead", "exclusive", "status", "offered_at", "decided_at"]

    def get_lead(self, offer: LeadOffer) -> dict:
        lead = offer.lead
        values = {name: _plain(getattr(lead, name)) for name in LEAD_PUBLIC_FIELDS}
        return values | _contact_fields(self, lead)


def _contact_fields(serializer: serializers.Serializer, record: Deal | Lead) -> dict[str, str]:
    """The sensitive customer fields as the requesting user may see them (masked without one)."""
    user = getattr(serializer.context.get("request"), "user", None)
    return customer_contact_for(user=user, record=record).as_fields()


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | bool):
        return str(value)
    return value


class DealSettingsSerializer(serializers.ModelSerializer):
    """The deal settings (administrators): conflict threshold, approval SLA, extension."""

    class Meta:
        model = DealSettings
        fields = ["similarity_threshold", "sla_business_days", "extension_days"]


class PriceListEntrySerializer(serializers.ModelSerializer):
    """One dated price of a product's price list (DESIGN §4.4). `valid_to` is exclusive, null
    while open; an agreement entry holds the tier's discount and `agreement_price` is the guide
    price of its first day less that discount."""

    product = serializers.SlugRelatedField(slug_field="sku", read_only=True)
    tier = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    price = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True
    )
    valid_to = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = PriceListEntry
        fields = [
            "id",
            "product",
            "product_id",
            "level",
            "tier",
            "price",
            "discount_percent",
            "currency",
            "valid_from",
            "valid_to",
            "created_at",
        ]
        read_only_fields = fields


class PriceScheduleSerializer(serializers.Serializer):
    """A new price of one level of a product from `valid_from` (input of POST)."""

    product = serializers.SlugRelatedField(slug_field="sku", queryset=Product.objects.all())
    level = serializers.ChoiceField(choices=PriceLevel.choices)
    tier = serializers.SlugRelatedField(
        slug_field="code", queryset=Tier.objects.all(), required=False, allow_null=True
    )
    price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False, allow_blank=True)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)

    def change(self) -> PriceChange:
        return self._change_of(self.validated_data)

    @staticmethod
    def _change_of(data: dict) -> PriceChange:
        tier = data.get("tier")
        return PriceChange(
            level=data["level"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            price=data.get("price"),
            currency=data.get("currency") or "",
            tier_id=tier.pk if tier else None,
            discount_percent=data.get("discount_percent"),
        )

    def validate(self, attrs):
        errors = price_change_errors(self._change_of(attrs), today=timezone.localdate())
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
