"""Importers of shared reference data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .imports import (
    Column,
    Importer,
    RowError,
    decimal_parser,
    parse_currency,
    parse_date,
    register,
)
from .models import FxRate
from .roles import Role


@register
class FxRateImporter(Importer):
    """FX rates: date, from, to, rate. A published rate is never overwritten (statements used it)."""

    kind = "fx_rates"
    label = gettext_lazy("FX rates")
    description = gettext_lazy(
        "Columns: date (YYYY-MM-DD), from, to (ISO currency codes), rate (units of “to” per one "
        "“from”, above 0, at most 1,000,000 with up to 10 decimals). A date and currency pair "
        "appears once per file."
    )
    roles = frozenset({Role.FINANCE, Role.CFO})
    columns = [
        Column("date", parse_date),
        Column("from", parse_currency),
        Column("to", parse_currency),
        Column("rate", decimal_parser(minimum=0, maximum=1_000_000, places=10)),
    ]
    key_columns = ("date", "from", "to")

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        if row["from"] == row["to"]:
            raise RowError("to", _("The two currencies must differ."))
        if row["rate"] <= 0:
            raise RowError("rate", _("The rate must be greater than zero."))
        existing = (
            FxRate.objects.filter(
                base_currency=row["from"], quote_currency=row["to"], rate_date=row["date"]
            )
            .values_list("rate", flat=True)
            .first()
        )
        if existing is not None and existing != row["rate"]:
            raise RowError(
                "rate",
                _("A different rate (%(rate)s) is already recorded for this day.")
                % {"rate": existing},
            )
        return row

    def save(self, rows: list[dict[str, Any]], batch) -> int:
        seen: dict[tuple, dict] = {}
        for row in rows:
            seen[(row["from"], row["to"], row["date"])] = row
        objs = [
            FxRate(base_currency=b, quote_currency=q, rate_date=d, rate=r["rate"])
            for (b, q, d), r in seen.items()
        ]
        created = FxRate.objects.bulk_create(objs, ignore_conflicts=True)
        return len(created)
