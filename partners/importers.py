"""Bulk import of NPS survey answers (DESIGN §2.4) through the all-or-nothing import pipeline.

File format (CSV or XLSX, header row first):

    partner_tax_id  the partner's tax ID (must exist)
    quarter         the survey quarter, e.g. 2026Q3
    score           the customer's answer, a whole number 0–10
    respondent      optional: who answered
    comment         optional: what they said
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import CHANNEL_ROLES
from core.audit import audit_record
from core.imports import Column, Importer, RowError, parse_int, parse_text, register
from core.periods import Quarter

from .choices import NpsSource
from .models import NpsResponse, Partner


def _parse_quarter(value: str) -> str:
    try:
        return str(Quarter.parse(value))
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a quarter like 2026Q3.") % {"value": value}) from exc


@register
class NpsResponseImporter(Importer):
    """One row per customer answer; a file with any bad row imports nothing."""

    kind = "nps_responses"
    label = gettext_lazy("NPS survey answers")
    description = gettext_lazy(
        "Columns: partner_tax_id, quarter (e.g. 2026Q3), score (0 to 10), and optionally "
        "respondent and comment."
    )
    roles = frozenset(CHANNEL_ROLES)
    columns = [
        Column("partner_tax_id", parse_text),
        Column("quarter", _parse_quarter),
        Column("score", parse_int),
        Column("respondent", parse_text, required=False),
        Column("comment", parse_text, required=False),
    ]

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        partner_id = (
            Partner.objects.filter(tax_id=row["partner_tax_id"])
            .values_list("pk", flat=True)
            .first()
        )
        if partner_id is None:
            raise RowError("partner_tax_id", _("No partner has this tax ID."))
        if not 0 <= row["score"] <= 10:
            raise RowError("score", _("A score is between 0 and 10."))
        if len(row["respondent"] or "") > 200:
            raise RowError("respondent", _("At most 200 characters."))
        return row | {"partner_id": partner_id}

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        created = NpsResponse.objects.bulk_create(
            [
                NpsResponse(
                    partner_id=row["partner_id"],
                    quarter=row["quarter"],
                    score=row["score"],
                    respondent=row["respondent"] or "",
                    comment=row["comment"] or "",
                    source=NpsSource.IMPORT,
                    import_batch=batch,
                    recorded_by=batch.uploaded_by,
                )
                for row in rows
            ],
            batch_size=1000,
        )
        audit_record(
            actor=batch.uploaded_by,
            action="nps.imported",
            obj=batch,
            changes={"rows": len(created)},
        )
        return len(created)
