"""The MDF request list (DESIGN §8.1): base selector, FilterSet and columns, one definition for
the page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import FundRequestFilterSet, FundRequestQueueFilterSet, MdfLedgerFilterSet
from .selectors import fund_request_list_base_for, fund_request_queue_for, mdf_entry_list_for

FUND_REQUEST_LIST = list_register(
    ListDefinition(
        key="fund-requests",
        url_name="funds:request_list",
        base=fund_request_list_base_for,
        filterset=FundRequestFilterSet,
        columns=(
            Column("activity", _("Activity"), sort="activity"),
            Column("partner", _("Partner"), sort="partner", staff_only=True),
            Column("dates", _("Dates"), sort="dates"),
            Column("requested", _("Requested amount"), num=True),
            Column("amount_cny", _("CNY equivalent"), sort="amount_cny", num=True),
            Column("approvals", _("Approvals")),
            Column("status", _("Status"), sort="status"),
            Column("submitted", _("submitted"), sort="submitted", default=False),
        ),
    )
)

FUND_REQUEST_QUEUE_LIST = list_register(
    ListDefinition(
        key="mdf-queue",
        url_name="funds:request_queue",
        base=fund_request_queue_for,
        filterset=FundRequestQueueFilterSet,
        columns=(
            Column("activity", _("Activity")),
            Column("partner", _("Partner"), sort="partner"),
            Column("dates", _("Dates")),
            Column("requested", _("Requested amount"), num=True),
            Column("amount_cny", _("CNY equivalent"), sort="amount", num=True),
            Column("approvals", _("Approvals")),
            Column("submitted", _("Submitted"), sort="submitted"),
        ),
    )
)

MDF_LEDGER_LIST = list_register(
    ListDefinition(
        key="mdf-ledger",
        url_name="funds:ledger",
        base=mdf_entry_list_for,
        filterset=MdfLedgerFilterSet,
        columns=(
            Column("date", _("Date"), sort="date"),
            Column("partner", _("Partner"), sort="partner", staff_only=True),
            Column("kind", _("Kind")),
            Column("quarter", _("Quarter")),
            Column("reason", _("Reason")),
            Column("amount", _("Amount"), sort="amount", num=True),
        ),
    )
)
