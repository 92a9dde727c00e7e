"""Diversion and price checks of sell-through lines (DESIGN §11): raise flags for review.

Three set-based checks, each one `INSERT … SELECT … ON CONFLICT DO NOTHING` over current lines:

- cross_region: the customer's region is not in the partner's territory (`partners_partner_v`);
- serial_clash: a serial number another partner also reported (current lines of any month);
- below_floor: the unit price is below the floor of the sale date (`deals_floor_price_v`),
  converted into the line's currency with the FX rate of the sale date. Without a rate the check
  is held: the flag is raised with `evidence.held` so a person sees it; it never passes silently.

The scope is the lines of some reports (after an import) or of a calendar month, optionally one
range of partner ids: the monthly job fans a month out in partner ranges to several workers.
A chunk writes the cross-region and price flags of its own partners, and both sides of the serial
clashes its lines take part in (the other side may be another partner's line of any month). A flag is raised once per line and kind (the
unique constraint), so a run sent twice, or a re-run after a review, raises nothing new.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection, transaction

from accounts.choices import Role
from core.fx import FxRateMissing, fx_rate
from core.jobs import job_kind, key_ranges

from .choices import FlagKind, FlagStatus

# The monthly scan as a job: channel staff follow it; its flags are theirs to review.
FLAG_SCAN_JOB = job_kind("inventory.flag_scan", roles={Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR})
SCAN_CHUNKS = 8


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """[first day, first day of the next month) of the month containing `month`."""
    start = month.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end


def _scope(
    *,
    report_ids: list[int] | None,
    month: datetime.date | None,
    partner_range: tuple[int, int] | None,
    alias: str = "l",
) -> tuple[str, list]:
    """The WHERE clause (and its parameters) choosing the scanned lines."""
    clauses = [f"{alias}.is_current"]
    params: list = []
    if report_ids is not None:
        clauses.append(f"{alias}.report_id = ANY(%s)")
        params.append(list(report_ids))
    if month is not None:
        start, end = month_bounds(month)
        clauses.append(f"{alias}.sold_on >= %s AND {alias}.sold_on < %s")
        params += [start, end]
    if partner_range is not None:
        clauses.append(f"{alias}.partner_id BETWEEN %s AND %s")
        params += list(partner_range)
    return " AND ".join(clauses), params


CROSS_REGION = """
INSERT INTO inventory_inventoryflag
    (partner_id, line_id, kind, status, evidence, review_reason, created_at)
SELECT l.partner_id, l.id, %s, %s,
       jsonb_build_object(
           'territory', to_jsonb(coalesce(p.regions, '{{}}')),
           'customer_region', l.customer_region,
           'sold_on', l.sold_on,
           'quantity', l.quantity
       ),
       '', now()
FROM inventory_sellthroughline l
JOIN partners_partner_v p ON p.id = l.partner_id
WHERE {scope} AND NOT (l.customer_region = ANY(coalesce(p.regions, '{{}}')))
ORDER BY l.id
ON CONFLICT (line_id, kind) DO NOTHING
"""

# The clashing serials of the scanned lines (their own serial numbers): a serial another partner's
# current line also carries (found through the serial index). Both sides of each pair are flagged in one statement, in line order (two chunks
# that meet over one pair insert its flags in the same order, so they never deadlock); each
# flag names the earliest other line.
SERIAL_CLASH = """
WITH pairs AS (
    SELECT s.serial, l.id AS line_id, l.partner_id, l.sold_on, l.quantity,
           ol.id AS other_line_id, ol.partner_id AS other_partner_id,
           ol.sold_on AS other_sold_on, ol.quantity AS other_quantity
    FROM inventory_sellthroughline l
    CROSS JOIN LATERAL unnest(l.serial_numbers) AS s(serial)
    JOIN inventory_soldserial o
      ON o.serial = s.serial AND o.partner_id <> l.partner_id AND o.is_current
    JOIN inventory_sellthroughline ol ON ol.id = o.line_id AND ol.is_current
    WHERE {scope}
),
sides AS (
    SELECT serial, line_id, partner_id, sold_on, quantity, other_line_id, other_partner_id,
           other_sold_on, other_quantity
    FROM pairs
    UNION ALL
    SELECT serial, other_line_id, other_partner_id, other_sold_on, other_quantity, line_id,
           partner_id, sold_on, quantity
    FROM pairs
)
INSERT INTO inventory_inventoryflag
    (partner_id, line_id, other_partner_id, other_line_id, kind, status, evidence,
     review_reason, created_at)
SELECT DISTINCT ON (line_id)
       partner_id, line_id, other_partner_id, other_line_id, %s, %s,
       jsonb_build_object(
           'serial', serial,
           'sold_on', sold_on,
           'quantity', quantity,
           'other_sold_on', other_sold_on,
           'other_quantity', other_quantity
       ),
       '', now()
FROM sides
ORDER BY line_id, other_sold_on, other_line_id
ON CONFLICT (line_id, kind) DO NOTHING
"""

BELOW_FLOOR = """
WITH rates(base, quote, day, rate) AS (
    SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::date[], %s::numeric[])
),
checked AS (
    SELECT l.id, l.partner_id, l.unit_price, l.currency, l.sold_on, l.product_id,
           f.price AS floor, f.currency AS floor_currency,
           CASE WHEN f.currency = l.currency THEN 1::numeric ELSE r.rate END AS rate
    FROM inventory_sellthroughline l
    JOIN deals_floor_price_v f
      ON f.product_id = l.product_id
     AND (f.valid_from IS NULL OR f.valid_from <= l.sold_on)
     AND (f.valid_to IS NULL OR l.sold_on < f.valid_to)
    LEFT JOIN rates r ON r.base = f.currency AND r.quote = l.currency AND r.day = l.sold_on
    WHERE {scope} AND f.price > 0
)
INSERT INTO inventory_inventoryflag
    (partner_id, line_id, kind, status, evidence, review_reason, created_at)
SELECT c.partner_id, c.id, %s, %s,
       jsonb_build_object(
           'floor', c.floor::text,
           'floor_currency', c.floor_currency,
           'rate', c.rate::text,
           'rate_date', c.sold_on,
           'converted_floor', round(c.floor * c.rate, 2)::text,
           'unit_price', c.unit_price::text,
           'currency', c.currency,
           'held', c.rate IS NULL
       ),
       '', now()
FROM checked c
WHERE c.rate IS NULL OR c.unit_price < round(c.floor * c.rate, 2)
ORDER BY c.id
ON CONFLICT (line_id, kind) DO NOTHING
"""

# Currencies the scanned lines pair with a floor in another currency, per sale date.
RATE_NEEDS = """
SELECT DISTINCT f.currency, l.currency, l.sold_on
FROM inventory_sellthroughline l
JOIN deals_floor_price_v f
  ON f.product_id = l.product_id
 AND (f.valid_from IS NULL OR f.valid_from <= l.sold_on)
 AND (f.valid_to IS NULL OR l.sold_on < f.valid_to)
WHERE {scope} AND f.currency <> l.currency AND f.price > 0
"""

# A held price check whose rate has since arrived: the flag shows the rate now, and one at or
# above the converted floor is closed by the scan (nobody reviewed it: no reviewer is recorded).
HELD_RECHECK = """
WITH rates(base, quote, day, rate) AS (
    SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::date[], %s::numeric[])
)
UPDATE inventory_inventoryflag fl
SET evidence = fl.evidence || jsonb_build_object(
        'held', false,
        'rate', r.rate::text,
        'converted_floor', round((fl.evidence->>'floor')::numeric * r.rate, 2)::text,
        'rate_arrived', true
    ),
    status = CASE WHEN l.unit_price < round((fl.evidence->>'floor')::numeric * r.rate, 2)
                  THEN fl.status ELSE %s END
FROM inventory_sellthroughline l, rates r
WHERE fl.line_id = l.id AND fl.kind = %s AND fl.status = %s
  AND (fl.evidence->>'held')::boolean
  AND r.base = fl.evidence->>'floor_currency' AND r.quote = l.currency AND r.day = l.sold_on
  AND {scope}
"""


# Open flags of lines a corrected report has since superseded: closed by the scan (no reviewer),
# marked in the evidence; the new version's lines are checked on their own.
SUPERSEDED_CLOSE = """
UPDATE inventory_inventoryflag fl
SET status = %s, reviewed_at = now(), evidence = fl.evidence || '{{"superseded": true}}'
FROM inventory_sellthroughline l
WHERE fl.line_id = l.id AND fl.status = %s AND NOT l.is_current AND {scope}
"""


def _rates(scope: str, params: list) -> list[list]:
    """The FX rates the price check needs, as four parallel arrays (base, quote, date, rate),
    from core's FX table (the latest rate on or before the sale date); a missing one is left out
    and its lines are held."""
    with connection.cursor() as cursor:
        cursor.execute(RATE_NEEDS.format(scope=scope), params)
        needs = cursor.fetchall()
    bases, quotes, days, rates = [], [], [], []
    for base, quote, day in needs:
        try:
            rate = fx_rate(base, quote, day)
        except FxRateMissing:
            continue
        bases.append(base)
        quotes.append(quote)
        days.append(day)
        rates.append(Decimal(rate))
    return [bases, quotes, days, rates]


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


@transaction.atomic
def flags_raise(
    *,
    report_ids: list[int] | None = None,
    month: datetime.date | None = None,
    partner_range: tuple[int, int] | None = None,
) -> int:
    """Raise the flags the lines of `report_ids` (or of the calendar `month`, optionally one range
    of partner ids) deserve; returns how many were raised. Idempotent: a line is flagged once per
    kind, and only current lines are checked or matched."""
    if report_ids is None and month is None:
        raise ValueError("Scan some reports or a month.")
    if report_ids is not None and not report_ids:
        return 0
    scope, params = _scope(report_ids=report_ids, month=month, partner_range=partner_range)
    open_ = FlagStatus.OPEN
    raised = _execute(CROSS_REGION.format(scope=scope), [FlagKind.CROSS_REGION, open_, *params])
    # The planner expects each serial to meet many others and hashes both tables whole; clashes
    # are a few in a thousand, and index lookups per scanned line answer them several times faster.
    _execute(
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;"
        " SET LOCAL enable_memoize = off",
        [],
    )
    raised += _execute(SERIAL_CLASH.format(scope=scope), [*params, FlagKind.SERIAL_CLASH, open_])
    _execute(
        "SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on;"
        " SET LOCAL enable_memoize = on",
        [],
    )
    rates = _rates(scope, params)
    raised += _execute(
        BELOW_FLOOR.format(scope=scope), [*rates, *params, FlagKind.BELOW_FLOOR, open_]
    )
    stale, stale_params = _superseded_scope(
        report_ids=report_ids, month=month, partner_range=partner_range
    )
    _execute(
        SUPERSEDED_CLOSE.format(scope=stale),
        [FlagStatus.DISMISSED, FlagStatus.OPEN, *stale_params],
    )
    if rates[0]:
        _execute(
            HELD_RECHECK.format(scope=scope),
            [*rates, FlagStatus.DISMISSED, FlagKind.BELOW_FLOOR, open_, *params],
        )
    return raised


def _superseded_scope(
    *,
    report_ids: list[int] | None,
    month: datetime.date | None,
    partner_range: tuple[int, int] | None,
) -> tuple[str, list]:
    if report_ids is not None:
        # The earlier versions of the reports' partner months.
        return (
            "l.report_id IN (SELECT o.id FROM inventory_inventoryreport o"
            " JOIN inventory_inventoryreport r ON r.partner_id = o.partner_id"
            " AND r.kind = o.kind AND r.month = o.month"
            " WHERE r.id = ANY(%s) AND NOT o.is_current)",
            [list(report_ids)],
        )
    scope, params = _scope(report_ids=None, month=month, partner_range=partner_range)
    return scope.replace("l.is_current AND ", "", 1), params


def scan_partner_ranges(*, chunks: int = SCAN_CHUNKS) -> list[list[int]]:
    """Contiguous ranges of partner ids of about the same size: the chunks of a monthly scan."""
    return key_ranges(source="SELECT id FROM partners_partner_v", key="id", chunks=chunks)
