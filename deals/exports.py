"""CSV and XLSX exports of the deal and lead lists (DESIGN §8.1): exactly what is filtered, with the
sensitive customer fields as the reader may see them (DESIGN §2.7)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes

from .models import Deal, Lead

EXPORT_FORMATS = ("csv", "xlsx")
# A synchronous export stays small; more rows than this need narrower filters.
EXPORT_MAX_ROWS = 10_000


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        # Spreadsheets know no time zones: the reader's local time, as on the pages.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def _contact_header() -> list[str]:
    return [_("Contact person"), _("Contact phone"), _("Contact e-mail"), _("Street address")]


def deal_export_rows(deals: Iterable[Deal]) -> Iterable[list]:
    """Header then one row per deal; each deal carries `.contact` (see `customer_data_shown`)."""
    yield [
        _("ID"),
        _("Project"),
        _("Customer"),
        _("Tax ID"),
        _("Region"),
        _("Industry"),
        *_contact_header(),
        _("Partner"),
        _("Status"),
        _("Currency"),
        _("Expected close"),
        _("Submitted"),
        _("Protection ends"),
    ]
    for deal in deals:
        contact = deal.contact
        yield [
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
            deal.get_status_display(),
            deal.currency,
            deal.expected_close_date,
            deal.submitted_at,
            deal.protection_ends_at,
        ]


def lead_export_rows(leads: Iterable[Lead]) -> Iterable[list]:
    """Header then one row per lead; each lead carries `.contact` (see `customer_data_shown`)."""
    yield [
        _("ID"),
        _("Project"),
        _("Customer"),
        _("Tax ID"),
        _("Region"),
        _("Industry"),
        *_contact_header(),
        _("Estimated value"),
        _("Currency"),
        _("Status"),
        _("Published on"),
    ]
    for lead in leads:
        contact = lead.contact
        yield [
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
            lead.get_status_display(),
            lead.published_at,
        ]


def export_content(rows: Iterable[Sequence], *, export_format: str, title: str) -> bytes:
    """The rows as a UTF-8 CSV or an XLSX workbook, through the one neutralising export writer."""
    rows = ([_cell(value) for value in row] for row in rows)
    if export_format == "csv":
        return csv_bytes(rows)
    return xlsx_bytes(rows, sheet_title=title)


CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
