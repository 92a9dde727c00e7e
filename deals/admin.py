"""Administration of price lists (DESIGN §1, §4.4): the dated entries are append-only records,
browsed here; new prices are scheduled on the price list pages, the API or an import, which all
go through `deals.services.price_lists`."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import PriceListEntry


@admin.register(PriceListEntry)
class PriceListEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "product",
        "level",
        "tier",
        "price",
        "discount_percent",
        "currency",
        "valid_from",
        "valid_to",
        "created_by",
    ]
    list_filter = ["level", "tier", "currency"]
    search_fields = ["product__sku", "product__name"]
    date_hierarchy = "valid_from"
    list_select_related = ["product", "tier", "created_by"]
