"""Export of the MDF request list (DESIGN §8.1): exactly what its filter shows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.scoping import sees_company_finance
from core.exports import ExportRows, export_choice, export_list_rows, export_register

from .lists import FUND_REQUEST_LIST, MDF_LEDGER_LIST
from .models import FundRequest, MdfLedgerEntry


def fund_request_export_row(fund_request: FundRequest) -> list:
    return [
        fund_request.pk,
        fund_request.partner.legal_name,
        fund_request.title,
        export_choice(fund_request, "activity_type"),
        fund_request.start_date,
        fund_request.end_date,
        fund_request.total_budget,
        fund_request.requested_amount,
        fund_request.currency,
        fund_request.amount_cny,
        export_choice(fund_request, "status"),
        fund_request.approved_amount,
        fund_request.submitted_at,
    ]


def fund_request_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The request list exactly as its page filters and sorts it (`funds.lists`)."""
    return ExportRows(
        records=export_list_rows(FUND_REQUEST_LIST, user=user, params=params),
        row=fund_request_export_row,
    )


export_register(
    "mdf-requests",
    title=_("Fund requests"),
    columns=(
        _("ID"),
        _("Partner"),
        _("Title"),
        _("Activity type"),
        _("Start date"),
        _("End date"),
        _("Total budget"),
        _("Requested vendor share"),
        _("Currency"),
        _("Amount (CNY equivalent)"),
        _("Status"),
        _("Approved amount"),
        _("Submitted"),
    ),
    rows_for=fund_request_rows_for,
)


def mdf_entry_export_row(entry: MdfLedgerEntry) -> list:
    return [
        entry.created_at,
        entry.partner.legal_name,
        export_choice(entry, "kind"),
        entry.quarter,
        entry.reason,
        entry.amount,
        entry.currency,
    ]


def mdf_entry_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The MDF ledger exactly as its page filters and sorts it (`funds.lists`)."""
    return ExportRows(
        records=export_list_rows(MDF_LEDGER_LIST, user=user, params=params),
        row=mdf_entry_export_row,
    )


export_register(
    "mdf-ledger",
    title=_("MDF ledger"),
    columns=(
        _("Date"),
        _("Partner"),
        _("Kind"),
        _("Quarter"),
        _("Reason"),
        _("Amount"),
        _("Currency"),
    ),
    rows_for=mdf_entry_rows_for,
    allowed=sees_company_finance,
)
