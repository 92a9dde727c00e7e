"""Administration of channel inventory (DESIGN §11, §1): the reports, their lines and what the scans
and reviews made of them are read-only here — a correction is a new report version, a flag is
reviewed in its queue, a penalty follows from the review, each through its service with its audit.
The days-of-inventory limits per product family are configuration, edited here and audited."""

from django.contrib import admin

from core.admin import AuditedAdmin, LargeTableAdmin, ReadOnlyAdmin

from .models import (
    FamilyAlertLimit,
    InventoryAlert,
    InventoryFlag,
    InventoryPenalty,
    InventoryReport,
    InventorySnapshot,
    SellThroughLine,
    SoldSerial,
)


@admin.register(FamilyAlertLimit)
class FamilyAlertLimitAdmin(AuditedAdmin):
    list_display = ["family", "ageing_days", "stock_out_days"]
    list_select_related = ["family"]
    search_fields = ["family__name"]


@admin.register(InventoryReport)
class InventoryReportAdmin(ReadOnlyAdmin):
    list_display = ["partner", "kind", "month", "version", "is_current", "source", "line_count"]
    list_filter = ["kind", "is_current", "source", "month"]
    search_fields = ["partner__legal_name", "partner__tax_id"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "reported_by_partner", "reported_by", "import_batch"]


@admin.register(InventorySnapshot)
class InventorySnapshotAdmin(LargeTableAdmin):
    list_display = ["partner", "product", "as_of", "on_hand", "is_current"]
    list_filter = ["is_current"]
    search_fields = ["partner__legal_name", "product__sku"]
    list_select_related = ["partner", "product"]
    raw_id_fields = ["report", "partner", "product"]
    # Millions of rows: no full count for the pager.
    show_full_result_count = False


@admin.register(SellThroughLine)
class SellThroughLineAdmin(LargeTableAdmin):
    list_display = [
        "partner",
        "product",
        "sold_on",
        "quantity",
        "unit_price",
        "currency",
        "customer_name",
        "customer_region",
        "is_current",
    ]
    list_filter = ["is_current", "currency"]
    search_fields = ["partner__legal_name", "product__sku", "customer_name", "customer_tax_id"]
    list_select_related = ["partner", "product"]
    raw_id_fields = ["report", "partner", "product"]
    show_full_result_count = False


@admin.register(SoldSerial)
class SoldSerialAdmin(LargeTableAdmin):
    list_display = ["serial", "partner", "line", "is_current"]
    search_fields = ["serial"]
    list_select_related = ["partner", "line"]
    raw_id_fields = ["line", "partner"]
    show_full_result_count = False


@admin.register(InventoryFlag)
class InventoryFlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "partner", "kind", "status", "reviewed_by", "reviewed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner", "reviewed_by"]
    raw_id_fields = ["partner", "line", "other_partner", "other_line", "reviewed_by", "violation"]


@admin.register(InventoryPenalty)
class InventoryPenaltyAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "partner", "step", "amount", "currency", "decision"]
    list_filter = ["step"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "flag", "decided_by"]


@admin.register(InventoryAlert)
class InventoryAlertAdmin(ReadOnlyAdmin):
    list_display = ["month", "partner", "product", "kind", "days_of_inventory", "on_hand"]
    list_filter = ["kind", "month"]
    search_fields = ["partner__legal_name", "product__sku"]
    list_select_related = ["partner", "product"]
    raw_id_fields = ["partner", "product"]
