"""Price lists with effective dates (DESIGN §4.4): guide price, tier agreement discount and floor.

A new price of a level (and tier) from a date is a new entry that closes the one running on that
date; nothing is edited in place or deleted (the database refuses both). A temporary price, one
with an end date inside the running period, lets the running price resume after it. After every
change the floor of a product never exceeds its guide price on any day, in the same currency, and
the product's current prices (`Product.list_price`, `floor_price`, `currency`,
`ProductTierDiscount`) are today's entries. Every new entry writes an audit row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record
from core.money import CURRENCY_CHOICES, format_money

from ..choices import PriceLevel
from ..models import PriceListEntry, Product, ProductTierDiscount
from ..permissions import price_list_can_manage

# The largest price a price list holds (the column keeps 12 digits before the point).
PRICE_MAX = Decimal("1000000000")
# How far ahead a price may be scheduled.
SCHEDULE_YEARS_AHEAD = 10
# The nightly refresh looks back this many days, so a missed night is caught up.
REFRESH_DAYS_BACK = 7
CURRENCIES = frozenset(code for code, _label in CURRENCY_CHOICES)


@dataclass(frozen=True)
class PriceChange:
    """A new price of one level from `valid_from` (inclusive) to `valid_to` (exclusive, or open)."""

    level: str
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    price: Decimal | None = None
    currency: str = ""
    tier_id: int | None = None
    discount_percent: Decimal | None = None


class PriceListRowErrors(Exception):
    """An import's changes broke rules: one message per row; nothing was stored."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(f"{len(errors)} row(s) refused")
        self.errors = errors


def _covering(on: datetime.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def price_change_errors(change: PriceChange, *, today: datetime.date) -> dict[str, str]:
    """Field messages for a change that cannot be a price list entry, whatever else exists
    (pure: forms, the API and imports show them before anything is stored)."""
    errors: dict[str, str] = {}
    if change.level not in PriceLevel.values:
        errors["level"] = _("Choose guide, agreement or floor.")
        return errors
    if change.level == PriceLevel.AGREEMENT:
        if change.tier_id is None:
            errors["tier"] = _("Choose the tier the agreement discount is for.")
        if change.price is not None:
            errors["price"] = _(
                "An agreement price is the list price less the tier's discount: give the "
                "discount, not a price."
            )
        if change.discount_percent is None:
            errors["discount_percent"] = _("Enter the tier's agreement discount.")
        elif not Decimal("0") <= change.discount_percent <= Decimal("100"):
            errors["discount_percent"] = _("The discount must be between 0 and 100.")
    else:
        if change.tier_id is not None:
            errors["tier"] = _("Only agreement prices are per tier.")
        if change.discount_percent is not None:
            errors["discount_percent"] = _("Only agreement prices have a discount.")
        if change.price is None:
            errors["price"] = _("Enter the price.")
        elif change.price <= 0:
            errors["price"] = _("The price must be greater than zero.")
        elif change.price > PRICE_MAX:
            errors["price"] = _("The price must be at most %(max)s.") % {"max": f"{PRICE_MAX:,}"}
        if not change.currency:
            errors["currency"] = _("Choose the currency of the price.")
        elif change.currency not in CURRENCIES:
            errors["currency"] = _("Unknown currency.")
    if change.valid_from < today:
        errors["valid_from"] = _(
            "A new price takes effect today or later; the past stays as it was."
        )
    elif change.valid_from > today.replace(year=today.year + SCHEDULE_YEARS_AHEAD):
        errors["valid_from"] = _("A price can be scheduled at most %(n)s years ahead.") % {
            "n": SCHEDULE_YEARS_AHEAD
        }
    if change.valid_to is not None and change.valid_to <= change.valid_from:
        errors["valid_to"] = _("The end date must be after the start date.")
    return errors


def _amount(entry: PriceListEntry) -> str:
    if entry.level == PriceLevel.AGREEMENT:
        return f"{entry.discount_percent}%"
    return format_money(entry.price, entry.currency)


def _entry_add(
    *, product: Product, change: PriceChange, actor: User | None, today: datetime.date
) -> PriceListEntry:
    """Store one change: close the entry running on its start date (a temporary price lets it
    resume after); raise `ValidationError` with field messages when it cannot be stored."""
    errors = price_change_errors(change, today=today)
    if errors:
        raise ValidationError(errors)
    same = PriceListEntry.objects.filter(
        product=product, level=change.level, tier_id=change.tier_id
    )
    if same.filter(valid_from=change.valid_from).exists():
        raise ValidationError(
            {
                "valid_from": _(
                    "A price of this level already starts on %(date)s; choose another date."
                )
                % {"date": change.valid_from.isoformat()}
            }
        )
    covering = same.filter(_covering(change.valid_from)).first()
    later = same.filter(valid_from__gt=change.valid_from).order_by("valid_from").first()
    end = change.valid_to
    if later is not None and (end is None or end > later.valid_from):
        if end is not None:
            raise ValidationError(
                {
                    "valid_to": _(
                        "Another price of this level starts on %(date)s; end this one on or "
                        "before that day."
                    )
                    % {"date": later.valid_from.isoformat()}
                }
            )
        end = later.valid_from  # runs until the price already scheduled after it
    entry_fields = {
        "product": product,
        "level": change.level,
        "tier_id": change.tier_id,
        "price": change.price,
        "discount_percent": change.discount_percent,
        "currency": "" if change.level == PriceLevel.AGREEMENT else change.currency,
        "created_by": actor if getattr(actor, "is_authenticated", False) else None,
    }
    before = None
    if covering is not None:
        before = _amount(covering)
        running_until = covering.valid_to
        covering.valid_to = change.valid_from
        covering.save(update_fields=["valid_to"])
        if end is not None and (running_until is None or end < running_until):
            # A temporary price: the running one resumes on the day after it ends.
            PriceListEntry.objects.create(
                **entry_fields
                | {
                    "price": covering.price,
                    "discount_percent": covering.discount_percent,
                    "currency": covering.currency,
                },
                valid_from=end,
                valid_to=running_until,
            )
    entry = PriceListEntry.objects.create(
        **entry_fields, valid_from=change.valid_from, valid_to=end
    )
    audit_record(
        actor=actor,
        action="price_list.scheduled",
        obj=entry,
        changes={
            "product": product.sku,
            "level": change.level,
            "tier": change.tier_id,
            "price": {"before": before, "after": _amount(entry)},
            "valid_from": change.valid_from.isoformat(),
            "valid_to": end.isoformat() if end else None,
        },
    )
    return entry


def _levels_refusal(product: Product) -> str | None:
    """Why the product's floor and guide prices disagree on some day (None when they agree)."""
    entries = list(
        PriceListEntry.objects.filter(
            product=product, level__in=[PriceLevel.GUIDE, PriceLevel.FLOOR]
        ).order_by("valid_from")
    )
    guides = [e for e in entries if e.level == PriceLevel.GUIDE]
    for floor in (e for e in entries if e.level == PriceLevel.FLOOR):
        for guide in guides:
            start = max(floor.valid_from, guide.valid_from)
            ends = [d for d in (floor.valid_to, guide.valid_to) if d is not None]
            if ends and min(ends) <= start:
                continue  # the two periods do not meet
            day = start
            if floor.currency != guide.currency:
                return _(
                    "From %(date)s the floor price is in %(floor)s but the guide price in "
                    "%(guide)s: both levels of a product share one currency."
                ) % {"date": day.isoformat(), "floor": floor.currency, "guide": guide.currency}
            if floor.price > guide.price:
                return _(
                    "From %(date)s the floor price (%(floor)s) would be above the guide price "
                    "(%(guide)s)."
                ) % {
                    "date": day.isoformat(),
                    "floor": format_money(floor.price, floor.currency),
                    "guide": format_money(guide.price, guide.currency),
                }
    return None


def _current_refresh(product_ids: set[int], *, today: datetime.date) -> int:
    """Copy today's entries onto the products' current prices and tier discounts; returns how
    many products changed."""
    entries = PriceListEntry.objects.filter(_covering(today), product_id__in=product_ids)
    current: dict[int, dict] = {pk: {"tiers": {}} for pk in product_ids}
    for entry in entries:
        if entry.level == PriceLevel.AGREEMENT:
            current[entry.product_id]["tiers"][entry.tier_id] = entry.discount_percent
        else:
            current[entry.product_id][entry.level] = entry
    changed = 0
    for product in Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk"):
        today_prices = current[product.pk]
        guide, floor = today_prices.get(PriceLevel.GUIDE), today_prices.get(PriceLevel.FLOOR)
        if guide is not None and floor is not None:
            values = (guide.price, floor.price, guide.currency)
            if values != (product.list_price, product.floor_price, product.currency):
                product.list_price, product.floor_price, product.currency = values
                product.save(update_fields=["list_price", "floor_price", "currency"])
                changed += 1
        tiers = today_prices["tiers"]
        ProductTierDiscount.objects.filter(product=product).exclude(tier_id__in=tiers).delete()
        if tiers:
            ProductTierDiscount.objects.bulk_create(
                [
                    ProductTierDiscount(product=product, tier_id=tier_id, discount_percent=pct)
                    for tier_id, pct in tiers.items()
                ],
                update_conflicts=True,
                unique_fields=["product", "tier"],
                update_fields=["discount_percent"],
            )
    return changed


def _require_manager(actor: User | None) -> None:
    if actor is None or not price_list_can_manage(actor):
        raise PermissionDenied


@transaction.atomic
def price_list_entry_schedule(
    *, actor: User, product: Product, change: PriceChange
) -> PriceListEntry:
    """Schedule a new price of one level (and tier) of `product` from `change.valid_from`.

    Raises `ValidationError` with field messages (nothing stored) when the change is malformed,
    collides with another scheduled price, or puts the floor above the guide price on some day.
    """
    _require_manager(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    today = timezone.localdate()
    entry = _entry_add(product=product, change=change, actor=actor, today=today)
    refusal = _levels_refusal(product)
    if refusal:
        raise ValidationError({"currency" if "currency" in refusal else "price": refusal})
    _current_refresh({product.pk}, today=today)
    return entry


@transaction.atomic
def price_list_import(*, actor: User, rows: list[tuple[int, Product, PriceChange]]) -> int:
    """Store the changes of one file, all or nothing: (row number, product, change) in file
    order. Raises `PriceListRowErrors` with one message per refused row (nothing stored)."""
    _require_manager(actor)
    today = timezone.localdate()
    product_ids = sorted({product.pk for _row, product, _change in rows})
    # Locked in id order, like every other writer of several products, so two imports never
    # wait on each other crosswise.
    locked = {
        p.pk: p
        for p in Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")
    }
    errors: list[dict[str, Any]] = []
    rows_of: dict[int, list[int]] = {}
    for row, product, change in rows:
        rows_of.setdefault(product.pk, []).append(row)
        try:
            with transaction.atomic():
                _entry_add(product=locked[product.pk], change=change, actor=actor, today=today)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.append({"row": row, "column": field, "message": " ".join(messages)})
    for product_id in product_ids:
        refusal = _levels_refusal(locked[product_id])
        if refusal:
            errors.append({"row": rows_of[product_id][-1], "column": "price", "message": refusal})
    if errors:
        raise PriceListRowErrors(sorted(errors, key=lambda e: e["row"]))
    _current_refresh(set(product_ids), today=today)
    return len(rows)


@transaction.atomic
def price_list_current_refresh(*, on: datetime.date | None = None) -> int:
    """The nightly step that makes the prices scheduled for `on` (today) the products' current
    prices; returns how many products changed. Idempotent; a week back covers missed nights."""
    on = on or timezone.localdate()
    since = on - datetime.timedelta(days=REFRESH_DAYS_BACK)
    product_ids = set(
        PriceListEntry.objects.filter(
            Q(valid_from__range=(since, on)) | Q(valid_to__range=(since, on))
        ).values_list("product_id", flat=True)
    )
    return _current_refresh(product_ids, today=on) if product_ids else 0
