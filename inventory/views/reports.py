"""Pages of inventory reports (DESIGN §11): the list of report versions and one report with its
rows and the other versions of its month. Reports come in through the import page (core) or the
API; staff import on a partner's behalf by naming its tax ID in the file."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from accounts.choices import PARTNER_ROLES, STAFF_ROLES
from core.exports import EXPORT_FORMATS
from core.imports import importer_for
from core.lists import paginate_list
from core.permissions import role_required
from core.views import export_page, listing

from ..choices import ReportKind
from ..importers import REPORT_IMPORT_KINDS
from ..lists import (
    INVENTORY_REPORT_LIST,
    inventory_report_get_for,
    inventory_report_versions_for,
    sell_through_line_list_base_for,
    snapshot_list_base_for,
)

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES


def _imports_for(user) -> list:
    """The report imports the user may run (the core import page, one per kind)."""
    found = [importer_for(kind) for kind in REPORT_IMPORT_KINDS]
    return [importer for importer in found if importer is not None and importer.can_use(user)]


@role_required(*ALL_ROLES)
def report_list(request):
    export_format = request.GET.get("export", "")
    if export_format in EXPORT_FORMATS:
        return export_page(request, "inventory-reports", export_format)
    reports = listing(request, INVENTORY_REPORT_LIST)
    return render(
        request,
        "inventory/report_list.html",
        {
            "listing": reports,
            "page": reports.page,
            "imports": _imports_for(request.user),
            "on_behalf": not request.user.is_partner_user,
        },
    )


@role_required(*ALL_ROLES)
def report_detail(request, pk: int):
    report = inventory_report_get_for(user=request.user, pk=pk)
    if report.kind == ReportKind.SELL_THROUGH:
        rows = sell_through_line_list_base_for(user=request.user).order_by("-sold_on", "-pk")
    else:
        rows = snapshot_list_base_for(user=request.user).order_by("-as_of", "-pk")
    page = paginate_list(rows.filter(report_id=report.pk), request.GET)
    return render(
        request,
        "inventory/report_detail.html",
        {
            "report": report,
            "page": page,
            "versions": inventory_report_versions_for(user=request.user, report=report),
            "imports": _imports_for(request.user),
        },
    )


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
]
