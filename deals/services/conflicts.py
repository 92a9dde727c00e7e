"""Conflict detection (DESIGN §4.2): the customer match and the per-family locks."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.utils import timezone

from core.locks import advisory_xact_lock

from ..models import DealSettings

CONFLICT_SQL = """
SELECT d.id
FROM deals_deal d
WHERE d.partner_id <> %(partner)s
  AND d.id <> %(deal)s
  AND d.status IN ('submitted', 'in_conflict', 'approved')
  AND (d.protection_ends_at IS NULL OR d.protection_ends_at > %(now)s)
  AND ({match})
  AND EXISTS (
        SELECT 1 FROM deals_dealline l JOIN deals_product p ON p.id = l.product_id
        WHERE l.deal_id = d.id AND p.family_id = ANY(%(families)s)
  )
ORDER BY d.submitted_at, d.id
LIMIT 1
"""
NAME_MATCH = (
    "(d.customer_fingerprint %% %(fingerprint)s"
    " AND similarity(d.customer_fingerprint, %(fingerprint)s) >= %(threshold)s)"
)
# Spelled so that the partial tax-ID index (customer_tax_id <> '') is provably usable.
TAX_ID_MATCH = "(d.customer_tax_id = %(tax_id)s AND d.customer_tax_id <> '')"


def conflict_sql(*, with_tax_id: bool) -> str:
    match = f"{TAX_ID_MATCH} OR {NAME_MATCH}" if with_tax_id else NAME_MATCH
    return CONFLICT_SQL.replace("{match}", match)


def deal_conflict_find(
    *,
    deal_id: int,
    partner_id: int,
    fingerprint: str,
    tax_id: str,
    family_ids: list[int],
    threshold: Decimal | float | None = None,
) -> int | None:
    """The earliest open registration of another partner for the same customer and product family.

    Uses the trigram GIN index through `%` (with `pg_trgm.similarity_threshold` set for this
    transaction) and the tax-ID index; the exact `similarity()` re-check makes the threshold exact.
    """
    if threshold is None:
        threshold = DealSettings.current().similarity_threshold
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)]
        )
        cursor.execute(
            conflict_sql(with_tax_id=bool(tax_id)),
            {
                "partner": partner_id,
                "deal": deal_id,
                "now": timezone.now(),
                "tax_id": tax_id,
                "fingerprint": fingerprint,
                "threshold": float(threshold),
                "families": family_ids,
            },
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _lock_product_families(family_ids: list[int]) -> None:
    """Serialize the conflict checks of registrations sharing a product family.

    Two registrations conflict only when they share a family, so whatever their names (similar,
    not only identical) or tax IDs, the second waits for the first to commit and then sees it.
    Taken in ascending order so that two submissions never wait for each other.
    """
    for family_id in sorted(family_ids):
        advisory_xact_lock("deal-family", str(family_id))
