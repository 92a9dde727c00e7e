"""Export of the accrual list (DESIGN §8.1): exactly what its filters show, to the roles that see
company finance; a distributor gets its dealers' rows without their tax IDs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.scoping import sees_company_finance, sees_partner_details
from core.exports import (
    ExportRows,
    export_choice,
    export_filters_clean,
    export_list_rows,
    export_register,
)

from .forms import AccrualFilterForm
from .lists import PROGRAMME_LIST
from .selectors import accrual_list_for


def accrual_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The accrual list as its page filters it (a partner user's `partner` filter is ignored, as
    on the page)."""
    filters = export_filters_clean(AccrualFilterForm(params))
    if user.is_partner_user:
        filters = {k: v for k, v in filters.items() if k != "partner"}

    def row(accrual) -> list:
        return [
            accrual.period,
            accrual.partner.legal_name,
            accrual.partner.tax_id if sees_partner_details(user, accrual.partner_id) else "",
            accrual.programme.display_name,
            accrual.revenue,
            accrual.target,
            accrual.attainment,
            accrual.amount,
            accrual.currency,
        ]

    return ExportRows(records=accrual_list_for(user=user, filters=filters), row=row)


export_register(
    "accruals",
    title=_("Rebate accruals"),
    columns=(
        _("Quarter"),
        _("Partner"),
        _("Tax ID"),
        _("Programme"),
        _("Eligible revenue"),
        _("Target"),
        _("Attainment"),
        _("Accrued rebate"),
        _("Currency"),
    ),
    rows_for=accrual_rows_for,
    allowed=sees_company_finance,
)


def programme_export_row(programme) -> list:
    return [
        programme.display_name,
        programme.name,
        programme.name_zh,
        export_choice(programme, "mode"),
        export_choice(programme, "revenue_source"),
        "; ".join(str(bracket) for bracket in programme.brackets.all()),
        programme.contract_cap,
        str(_("Active") if programme.is_active else _("Inactive")),
        programme.created_at,
    ]


def programme_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The programme list exactly as its page filters and sorts it (`PROGRAMME_LIST`)."""
    return ExportRows(
        records=export_list_rows(PROGRAMME_LIST, user=user, params=params),
        row=programme_export_row,
    )


export_register(
    "rebate-programmes",
    title=_("Rebate programmes"),
    columns=(
        _("Name"),
        _("Name (English)"),
        _("Name (Chinese)"),
        _("Rule"),
        _("Revenue from"),
        _("Brackets"),
        _("Cap per contract"),
        _("Status"),
        _("Created"),
    ),
    rows_for=programme_rows_for,
    roles=(Role.FINANCE, Role.CFO, Role.CHANNEL_DIRECTOR),
)
