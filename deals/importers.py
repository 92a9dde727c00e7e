"""Products and price lists (DESIGN §9 imports): all or nothing per file."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from core.bilingual import NAME_REQUIRED
from core.imports import (
    Column,
    Importer,
    RowError,
    decimal_parser,
    parse_currency,
    parse_text,
    register,
)
from partners.models import Tier

from .models import Product, ProductFamily, ProductTierDiscount

# The largest price a file may give (the column holds 12 digits before the point).
PRICE_MAX = 1_000_000_000


def parse_bool(value: str) -> bool:
    text = value.strip().lower()
    if text in {"1", "true", "yes", "y", "是"}:
        return True
    if text in {"0", "false", "no", "n", "否"}:
        return False
    raise ValueError(_("“%(value)s” is not yes or no.") % {"value": value})


@register
class ProductImporter(Importer):
    """Products: created or updated by SKU; families are created on first use."""

    kind = "products"
    label = gettext_lazy("Products")
    description = gettext_lazy(
        "Columns: sku, name (English), name_zh (Chinese, optional; one of the two names is "
        "required), family, list_price, floor_price (0 to 1,000,000,000, up to 2 decimals), "
        "currency, is_strategic (optional yes/no). A SKU appears once per file."
    )
    roles = frozenset({Role.CHANNEL_DIRECTOR, Role.FINANCE})
    columns = [
        Column("sku", parse_text),
        Column("name", parse_text, required=False),
        Column("name_zh", parse_text, required=False),
        Column("family", parse_text),
        Column("list_price", decimal_parser(minimum=0, maximum=PRICE_MAX, places=2)),
        Column("floor_price", decimal_parser(minimum=0, maximum=PRICE_MAX, places=2)),
        Column("currency", parse_currency),
        Column("is_strategic", parse_bool, required=False),
    ]
    key_columns = ("sku",)

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        if not row.get("name") and not row.get("name_zh"):
            raise RowError("name", str(NAME_REQUIRED))
        if len(row.get("name") or "") > 200 or len(row.get("name_zh") or "") > 200:
            raise RowError("name", _("A name is longer than 200 characters."))
        if row["list_price"] <= 0:
            raise RowError("list_price", _("The list price must be greater than zero."))
        if row["floor_price"] < 0 or row["floor_price"] > row["list_price"]:
            raise RowError(
                "floor_price", _("The floor price must be between 0 and the list price.")
            )
        if len(row["sku"]) > 60:
            raise RowError("sku", _("The SKU is longer than 60 characters."))
        return row

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        families = {}
        for code in {r["family"] for r in rows}:
            families[code], _created = ProductFamily.objects.get_or_create(
                code=code[:40], defaults={"name": code}
            )
        by_sku = {r["sku"]: r for r in rows}
        # An empty name cell (or a file without the name_zh column) keeps the name stored.
        stored = {
            sku: (name, name_zh)
            for sku, name, name_zh in Product.objects.filter(sku__in=by_sku).values_list(
                "sku", "name", "name_zh"
            )
        }
        objs = [
            Product(
                sku=sku,
                name=r["name"] or stored.get(sku, ("", ""))[0],
                name_zh=r["name_zh"] or stored.get(sku, ("", ""))[1],
                family=families[r["family"]],
                list_price=r["list_price"],
                floor_price=r["floor_price"],
                currency=r["currency"],
                is_strategic=bool(r["is_strategic"]),
            )
            for sku, r in by_sku.items()
        ]
        Product.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=[
                "name",
                "name_zh",
                "family",
                "list_price",
                "floor_price",
                "currency",
                "is_strategic",
            ],
        )
        return len(objs)


def _parse_tier(value: str) -> str:
    return value.strip().lower()


@register
class PriceListImporter(Importer):
    """Price list: the agreement discount of each tier per product (sku, tier, discount_percent)."""

    kind = "price_list"
    label = gettext_lazy("Price list (tier discounts)")
    description = gettext_lazy(
        "Columns: sku, tier (registered/silver/gold/diamond), discount_percent (0 to 100, up "
        "to 2 decimals). A SKU and tier appear once per file."
    )
    roles = frozenset({Role.CHANNEL_DIRECTOR, Role.FINANCE})
    columns = [
        Column("sku", parse_text),
        Column("tier", _parse_tier),
        Column("discount_percent", decimal_parser(minimum=0, maximum=100, places=2)),
    ]
    key_columns = ("sku", "tier")

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        product_id = Product.objects.filter(sku=row["sku"]).values_list("pk", flat=True).first()
        if product_id is None:
            raise RowError("sku", _("Unknown SKU."))
        tier_id = Tier.objects.filter(code=row["tier"]).values_list("pk", flat=True).first()
        if tier_id is None:
            raise RowError("tier", _("Unknown tier."))
        if not 0 <= row["discount_percent"] <= 100:
            raise RowError("discount_percent", _("The discount must be between 0 and 100."))
        return row | {"product_id": product_id, "tier_id": tier_id}

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        by_key = {(r["product_id"], r["tier_id"]): r for r in rows}
        ProductTierDiscount.objects.bulk_create(
            [
                ProductTierDiscount(product_id=p, tier_id=t, discount_percent=r["discount_percent"])
                for (p, t), r in by_key.items()
            ],
            update_conflicts=True,
            unique_fields=["product", "tier"],
            update_fields=["discount_percent"],
        )
        return len(by_key)
