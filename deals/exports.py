"""CSV and XLSX exports of the deal and lead lists (DESIGN §8.1): exactly what is filtered, with the
sensitive customer fields as the reader may see them and every partner read logged (DESIGN §2.7).
Registered with the export registry of core (`core.exports.export_register`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.exports import (
    ExportRows,
    export_choice,
    export_filters_of,
    export_list_rows,
    export_register,
)

from .customer_data import customer_data_shown
from .lists import DEAL_LIST, LEAD_LIST, LEAD_OFFER_LIST, PRICE_LIST_LIST, lead_offer_params
from .models import Deal, Lead, Product
from .permissions import price_list_can_manage

CONTACT_COLUMNS = (
    _("Contact person"),
    _("Contact phone"),
    _("Contact e-mail"),
    _("Street address"),
)
DEAL_COLUMNS = (
    _("ID"),
    _("Project"),
    _("Customer"),
    _("Tax ID"),
    _("Region"),
    _("Industry"),
    *CONTACT_COLUMNS,
    _("Partner"),
    _("Status"),
    _("Currency"),
    _("Expected close"),
    _("Submitted"),
    _("Protection ends"),
)
LEAD_COLUMNS = (
    _("ID"),
    _("Project"),
    _("Customer"),
    _("Tax ID"),
    _("Region"),
    _("Industry"),
    *CONTACT_COLUMNS,
    _("Estimated value"),
    _("Currency"),
    _("Status"),
    _("Published on"),
)


def _customer_data(user, filters: dict, record_of=None):
    """Each chunk about to be written: its customer records masked for `user`, the read logged."""

    def prepare(records: list, *, door: str, export_format: str) -> list:
        return customer_data_shown(
            user=user,
            records=[record_of(r) for r in records] if record_of else records,
            view="export",
            door=door,
            filters=filters,
            export_format=export_format,
        )

    return prepare


def deal_export_row(deal: Deal) -> list:
    """One deal as a row; the deal carries `.contact` (see `customer_data_shown`)."""
    contact = deal.contact
    return [
        deal.pk,
        deal.project_name,
        deal.customer_name,
        deal.customer_tax_id,
        deal.customer_region,
        deal.industry,
        contact.name,
        contact.phone,
        contact.email,
        contact.address,
        deal.partner.legal_name,
        export_choice(deal, "status"),
        deal.currency,
        deal.expected_close_date,
        deal.submitted_at,
        deal.protection_ends_at,
    ]


def lead_export_row(lead: Lead) -> list:
    """One lead as a row; the lead carries `.contact` (see `customer_data_shown`)."""
    contact = lead.contact
    return [
        lead.pk,
        lead.project_name,
        lead.customer_name,
        lead.customer_tax_id,
        lead.customer_region,
        lead.industry,
        contact.name,
        contact.phone,
        contact.email,
        contact.address,
        lead.estimated_value,
        lead.currency,
        export_choice(lead, "status"),
        lead.published_at,
    ]


def deal_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """The deal list exactly as its page filters and sorts it (`deals.lists.DEAL_LIST`)."""
    return ExportRows(
        records=export_list_rows(DEAL_LIST, user=user, params=params),
        row=deal_export_row,
        prepare=_customer_data(user, export_filters_of(params)),
    )


def lead_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """Partners: the leads offered to their company as the offer list filters them
    (`LEAD_OFFER_LIST`, open ones unless `show=all`); staff: every lead (`LEAD_LIST`) — the two
    lists of the lead page."""
    if user.is_partner_user:
        params = lead_offer_params(params)
        return ExportRows(
            records=export_list_rows(LEAD_OFFER_LIST, user=user, params=params),
            row=lead_export_row,  # `prepare` hands on the offers' leads, masked
            prepare=_customer_data(
                user, export_filters_of(params), record_of=lambda offer: offer.lead
            ),
        )
    return ExportRows(
        records=export_list_rows(LEAD_LIST, user=user, params=params),
        row=lead_export_row,
        prepare=_customer_data(user, export_filters_of(params)),
    )


export_register(
    "deals", title=_("Deal registrations"), columns=DEAL_COLUMNS, rows_for=deal_rows_for
)
export_register("leads", title=_("Leads"), columns=LEAD_COLUMNS, rows_for=lead_rows_for)


def price_list_export_row(product: Product) -> list:
    return [
        product.sku,
        product.name,
        product.family.name,
        product.list_price,
        product.floor_price,
        product.currency,
        str(_("Yes") if product.is_active else _("No")),
    ]


def price_list_rows_for(user, params: Mapping[str, Any]) -> ExportRows:
    """Today's guide and floor prices, as the price list page filters and sorts them."""
    return ExportRows(
        records=export_list_rows(PRICE_LIST_LIST, user=user, params=params),
        row=price_list_export_row,
    )


export_register(
    "price-lists",
    title=_("Price lists"),
    columns=(
        _("SKU"),
        _("Product"),
        _("Family"),
        _("Guide price"),
        _("Floor price"),
        _("Currency"),
        _("Active"),
    ),
    rows_for=price_list_rows_for,
    allowed=price_list_can_manage,
)
