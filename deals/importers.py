"""Products and price lists (DESIGN §4.4, §9 imports): all or nothing per file."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.bilingual import NAME_REQUIRED
from core.imports import (
    Column,
    Importer,
    RowError,
    decimal_parser,
    parse_currency,
    parse_date,
    parse_text,
    register,
)
from partners.models import Tier

from .choices import PriceLevel
from .models import Product, ProductFamily
from .permissions import PRICE_LIST_ROLES
from .services.price_lists import (
    PriceChange,
    PriceListRowErrors,
    price_change_errors,
    price_list_import,
)

# The largest price a file may give (the column holds 12 digits before the point).
PRICE_MAX = 1_000_000_000


def parse_bool(value: str) -> bool:
    text = value.strip().lower()
    if text in {"1", "true", "yes", "y", "是"}:
        return True
    if text in {"0", "false", "no", "n", "否"}:
        return False
    raise ValueError(_("“%(value)s” is not yes or no.") % {"value": value})


class _ServiceRowErrors:
    """An importer whose rules are checked by the price list service as it stores the rows: its
    row messages reject the whole file (the import transaction is rolled back)."""

    def run(self, batch, report, finish):
        try:
            return super().run(batch, report, finish)
        except PriceListRowErrors as exc:
            return 0, exc.errors


@register
class ProductImporter(_ServiceRowErrors, Importer):
    """Products: created or updated by SKU; families are created on first use. A new product's
    prices start its price list; changed prices of a known one are new prices from today."""

    kind = "products"
    label = gettext_lazy("Products")
    description = gettext_lazy(
        "Columns: sku, name (English), name_zh (Chinese, optional; one of the two names is "
        "required), family, list_price, floor_price (0 to 1,000,000,000, up to 2 decimals), "
        "currency, is_strategic (optional yes/no). A SKU appears once per file."
    )
    roles = PRICE_LIST_ROLES
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
        known = Product.objects.in_bulk(list(by_sku), field_name="sku")
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
        # Prices are never overwritten here: a known product's new prices go to its price list.
        Product.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=["name", "name_zh", "family", "is_strategic"],
        )
        changes = []
        for sku, product in known.items():
            r = by_sku[sku]
            now = (product.list_price, product.floor_price, product.currency)
            if now == (r["list_price"], r["floor_price"], r["currency"]):
                continue
            today = timezone.localdate()
            for level, price in (
                (PriceLevel.GUIDE, r["list_price"]),
                (PriceLevel.FLOOR, r["floor_price"]),
            ):
                change = PriceChange(
                    level=level, valid_from=today, price=price, currency=r["currency"]
                )
                changes.append((r["_line"], product, change))
        if changes:
            price_list_import(actor=batch.uploaded_by, rows=changes)
        return len(objs)


def _parse_tier(value: str) -> str:
    return value.strip().lower()


def _parse_level(value: str) -> str:
    text = value.strip().lower()
    aliases = {"list": PriceLevel.GUIDE, "指导价": PriceLevel.GUIDE, "协议价": PriceLevel.AGREEMENT}
    aliases |= {"底价": PriceLevel.FLOOR, "retail_floor": PriceLevel.FLOOR}
    level = aliases.get(text, text)
    if level not in PriceLevel.values:
        raise ValueError(_("“%(value)s” is not guide, agreement or floor.") % {"value": value[:40]})
    return level


@register
class PriceListImporter(_ServiceRowErrors, Importer):
    """Price list with effective dates (DESIGN §4.4): each row schedules a new price of one level
    of a product from `valid_from` (today when empty), through the price list service."""

    kind = "price_list"
    label = gettext_lazy("Price list (guide, tier agreement, floor)")
    description = gettext_lazy(
        "Columns: sku, level (guide, agreement or floor; agreement when empty), tier "
        "(registered/silver/gold/diamond, agreement rows only), price (guide and floor rows) or "
        "discount_percent (agreement rows, 0 to 100), currency (guide and floor rows), "
        "valid_from (YYYY-MM-DD, today or later; today when empty), valid_to (optional, "
        "exclusive). A new price closes the running one; the floor may never exceed the guide "
        "price. All rows are stored or none."
    )
    roles = PRICE_LIST_ROLES
    columns = [
        Column("sku", parse_text),
        Column("level", _parse_level, required=False),
        Column("tier", _parse_tier, required=False),
        Column("price", decimal_parser(minimum=0, maximum=PRICE_MAX, places=2), required=False),
        Column(
            "discount_percent", decimal_parser(minimum=0, maximum=100, places=2), required=False
        ),
        Column("currency", parse_currency, required=False),
        Column("valid_from", parse_date, required=False),
        Column("valid_to", parse_date, required=False),
    ]
    key_columns = ("sku", "level", "tier", "valid_from")

    def parse_row(self, raw: dict[str, str]) -> dict[str, Any]:
        row = super().parse_row(raw)
        row["level"] = row["level"] or PriceLevel.AGREEMENT
        row["valid_from"] = row["valid_from"] or timezone.localdate()
        return row

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        product = Product.objects.filter(sku=row["sku"]).first()
        if product is None:
            raise RowError("sku", _("Unknown SKU."))
        tier_id = None
        if row["tier"]:
            tier_id = Tier.objects.filter(code=row["tier"]).values_list("pk", flat=True).first()
            if tier_id is None:
                raise RowError("tier", _("Unknown tier."))
        change = PriceChange(
            level=row["level"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            price=row["price"],
            currency=row["currency"] or "",
            tier_id=tier_id,
            discount_percent=row["discount_percent"],
        )
        for field, message in price_change_errors(change, today=timezone.localdate()).items():
            raise RowError(field, message)
        return row | {"product": product, "change": change}

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        return price_list_import(
            actor=batch.uploaded_by,
            rows=[(r["_line"], r["product"], r["change"]) for r in rows],
        )
