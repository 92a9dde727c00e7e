"""Inventory and sell-through imports (DESIGN §9, §11), staged: COPY, set-based checks, all or
nothing (`inventory.services.reports.inventory_lines_load`).

Sell-through file (CSV in UTF-8 or GB18030, or XLSX; header row first):

    partner_tax_id   the partner reported for; may be left out by a partner user reporting for
                     its own company, required from staff and distributors
    sold_on          YYYY-MM-DD, not in the future
    sku              the product's SKU
    quantity         whole number above zero
    unit_price       0 to 999,999,999,999.99, at most 2 decimals
    currency         ISO code with an FX rate on or before the sale date
    customer_name    the end customer (at most 200 characters)
    customer_tax_id  optional
    customer_region  region code or name (CN-SH, Shanghai, 上海)
    serial_numbers   optional, "a;b;c"

Inventory file: partner_tax_id, sku, as_of (YYYY-MM-DD), on_hand (whole number, not negative).

A file may hold several partners and months: each (partner, month) becomes one new report version.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.utils.translation import gettext_lazy

from accounts.choices import PARTNER_ROLES
from core.imports import StagedImporter, register
from core.jobs import job_kind
from core.models import ImportBatch

from .choices import ReportKind
from .services.reports import SPECS, STAFF_REPORTERS, inventory_lines_load


class _ReportImporter(StagedImporter):
    """A partner (its own company, a distributor's dealers) or staff on a partner's behalf."""

    report_kind: str = ""
    roles = frozenset(STAFF_REPORTERS | PARTNER_ROLES)

    def load(
        self,
        stream: io.TextIOBase,
        *,
        batch_id: int | None,
        report: Callable[[int, int | None], None] | None = None,
    ) -> tuple[int, int, list[dict]]:
        user = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id).uploaded_by
        count, report_ids, errors = inventory_lines_load(
            stream, kind=self.report_kind, user=user, batch_id=batch_id, report=report
        )
        return count, (0 if errors else count), errors


@register
class SellThroughImporter(_ReportImporter):
    kind = "sell_through"
    report_kind = ReportKind.SELL_THROUGH
    label = gettext_lazy("Sell-through reports")
    description = gettext_lazy(
        "Columns: partner_tax_id (leave empty for your own company; required from staff and "
        "distributors), sold_on (YYYY-MM-DD), sku, quantity (whole number above 0), unit_price, "
        "currency, customer_name, customer_tax_id (optional), customer_region (code or name), "
        "serial_numbers (optional, separated by “;”). Each partner and month becomes a new "
        "version of its report; the previous version is kept."
    )
    stage_columns = list(SPECS[ReportKind.SELL_THROUGH].columns)
    optional_columns = SPECS[ReportKind.SELL_THROUGH].optional
    date_columns = frozenset({"sold_on"})


@register
class InventorySnapshotImporter(_ReportImporter):
    kind = "inventory_snapshots"
    report_kind = ReportKind.INVENTORY
    label = gettext_lazy("Inventory reports")
    description = gettext_lazy(
        "Columns: partner_tax_id (leave empty for your own company; required from staff and "
        "distributors), sku, as_of (YYYY-MM-DD), on_hand (whole number, not negative). Each "
        "partner and month becomes a new version of its report; the previous version is kept."
    )
    stage_columns = list(SPECS[ReportKind.INVENTORY].columns)
    optional_columns = SPECS[ReportKind.INVENTORY].optional
    date_columns = frozenset({"as_of"})


REPORT_IMPORT_KINDS = (SellThroughImporter.kind, InventorySnapshotImporter.kind)

# A partner's import job is its uploader's own: only the staff who import see every such job.
for _kind in REPORT_IMPORT_KINDS:
    job_kind(f"import.{_kind}", roles=STAFF_REPORTERS)
