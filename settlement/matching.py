"""The reconciliation matching job in SQL (DESIGN §6.4): order ↔ delivery ↔ payment.

One chunk is a contiguous range of partner ids, matched in one transaction; chunks touch disjoint
rows, so several workers share a run. Every step only adds what is missing (matches and anomalies
are protected by unique constraints; an order's figures are recomputed only when it got a new
match), so running a chunk again, or after a worker died mid-chunk, changes nothing, and a re-run
only reads what is still open.

A chunk decides every match in temporary tables first (they write no WAL): one per kind of item,
holding the open items with the order their reference names (one join), to which the window
passes add theirs. It then writes them to the match table in one INSERT … SELECT: a fresh run of a
million payments and a million deliveries writes two million rows in one statement, each with
three index entries besides its key, and the order figures are summed from the chunk's new
matches plus whatever the orders had before.

Rules, in order, for payments and then for deliveries:
1. by reference: the payment's reference (the delivery's order number) is an order number of the
   same partner in the same currency; several payments may settle one order (instalments);
2. by window: same partner, currency and amount, dated within ± the window of the order date, for
   orders that have no payment (delivery) yet; each payment pairs with the closest order and each
   order with the closest payment (mutual best, repeated so that ties resolve deterministically).
An order is then matched when what was paid is within the tolerance of its amount, partially paid
below it, overpaid above it, unmatched when nothing was paid. An order whose paid or delivered
total would not fit its figures (poison payments, which append-only tables keep) is left as it was
with an "amounts too large" anomaly for finance; the rest of the chunk completes.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import DatabaseError, connection, transaction

from core.jobs import key_ranges

from .models import SettlementPolicy

WINDOW_PASSES = 3
# An order's paid and delivered totals are numeric(18,4): below 10^14.
MONEY_LIMIT = Decimal(10) ** 14
TEMP_TABLES = (
    "recon_payment",
    "recon_delivery",
    "recon_candidate_payment",
    "recon_candidate_delivery",
    "recon_figures",
)

# Won deals read through the deals app's view (deals/migrations/0008_won_line_view.py).
_SYNC_FROM_DEALS = """
    INSERT INTO settlement_order (
        partner_id, reference, order_date, amount, currency, source, deal_id, created_at,
        status, paid_amount, delivered_amount
    )
    SELECT w.partner_id, w.order_number, w.closed_on, sum(w.amount), w.currency,
           'deal', w.deal_id, now(), 'unmatched', 0, 0
    FROM deals_won_line_v w
    WHERE w.order_number <> '' AND w.closed_on IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM settlement_order o WHERE o.deal_id = w.deal_id)
    GROUP BY w.deal_id, w.partner_id, w.order_number, w.closed_on, w.currency
    HAVING sum(w.amount) > 0
    ORDER BY w.deal_id
    ON CONFLICT DO NOTHING
"""

# The partners a reconciliation run splits into chunks: those with orders, payments or deliveries.
# Each table's partner index is walked from one partner to the next (one probe per partner) rather
# than sorting every row's partner to find the distinct ones.
_PARTNERS = """
    WITH RECURSIVE
    o(p) AS (
        SELECT min(partner_id) FROM settlement_order
        UNION ALL
        SELECT (SELECT min(t.partner_id) FROM settlement_order t WHERE t.partner_id > o.p)
        FROM o WHERE o.p IS NOT NULL
    ),
    x(p) AS (
        SELECT min(partner_id) FROM settlement_payment
        UNION ALL
        SELECT (SELECT min(t.partner_id) FROM settlement_payment t WHERE t.partner_id > x.p)
        FROM x WHERE x.p IS NOT NULL
    ),
    d(p) AS (
        SELECT min(partner_id) FROM settlement_delivery
        UNION ALL
        SELECT (SELECT min(t.partner_id) FROM settlement_delivery t WHERE t.partner_id > d.p)
        FROM d WHERE d.p IS NOT NULL
    )
    SELECT p AS partner_id FROM o WHERE p IS NOT NULL
    UNION SELECT p FROM x WHERE p IS NOT NULL
    UNION SELECT p FROM d WHERE p IS NOT NULL
"""

# Every join with the orders names the chunk's partner range on the order's side too (matches are
# always within one partner): the planner reads and hashes only the chunk's orders, so a run split
# in chunks or across workers does not read every order once per chunk.
#
# Per chunk, the payments (deliveries) not matched yet are copied to a temporary table together
# with the order their reference names (the reference rule: same partner and currency), in one
# pass; the window steps then fill in `order_id` for some of those still without one, so a re-run
# only looks at what is still open and no match is copied twice.
_ITEMS = """
    CREATE TEMP TABLE recon_{item} ON COMMIT DROP AS
    SELECT x.id, x.partner_id, x.{date} AS day, x.amount, x.currency, o.id AS order_id,
           (CASE WHEN o.id IS NOT NULL THEN 'reference' END)::varchar(10) AS method
    FROM {table} x
    LEFT JOIN settlement_order o
      ON o.reference = x.{ref} AND o.partner_id = x.partner_id AND o.currency = x.currency
     AND x.{ref} <> '' AND o.partner_id BETWEEN %(lo)s AND %(hi)s
    WHERE x.partner_id BETWEEN %(lo)s AND %(hi)s
      AND NOT EXISTS (SELECT 1 FROM settlement_reconciliationmatch m WHERE m.{item}_id = x.id)
"""

_COUNT_BY_REFERENCE = "SELECT count(order_id) FROM recon_{item}"

# The window rule's candidate pairs, once per kind: open items and the orders they could match.
# Orders that already have a payment (delivery), matched earlier or by reference in this chunk, are
# not candidates.
_CANDIDATES = """
    CREATE TEMP TABLE recon_candidate_{item} ON COMMIT DROP AS
    SELECT x.id AS xid, o.id AS oid, abs(x.day - o.order_date) AS gap
    FROM recon_{item} x
    JOIN settlement_order o
      ON o.partner_id = x.partner_id AND o.currency = x.currency AND o.amount = x.amount
     AND o.order_date BETWEEN x.day - %(window)s AND x.day + %(window)s
    WHERE x.order_id IS NULL AND o.partner_id BETWEEN %(lo)s AND %(hi)s AND NOT EXISTS (
        SELECT 1 FROM settlement_reconciliationmatch m
        WHERE m.order_id = o.id AND m.{item}_id IS NOT NULL
    ) AND NOT EXISTS (
        SELECT 1 FROM recon_{item} n WHERE n.order_id = o.id
    )
"""

# One pass: mutual closest pairs become window matches, and every candidate pair of a matched item
# or a now taken order drops out (what the next pass would exclude). Returns the pass's count.
_BY_WINDOW = """
    WITH ranked AS (
        SELECT xid, oid,
               row_number() OVER (PARTITION BY xid ORDER BY gap, oid) AS by_item,
               row_number() OVER (PARTITION BY oid ORDER BY gap, xid) AS by_order
        FROM recon_candidate_{item}
    ), found AS (
        UPDATE recon_{item} x SET order_id = r.oid, method = 'window'
        FROM ranked r
        WHERE x.id = r.xid AND r.by_item = 1 AND r.by_order = 1
        RETURNING x.id, x.order_id
    ), taken AS (
        DELETE FROM recon_candidate_{item} c
        WHERE c.xid IN (SELECT id FROM found) OR c.oid IN (SELECT order_id FROM found)
    )
    SELECT count(*) FROM found
"""

# The chunk's new matches, both kinds (read twice: summed into the figures, then written).
_NEW = """
    SELECT order_id, id AS payment_id, NULL::bigint AS delivery_id, amount, method
    FROM recon_payment WHERE order_id IS NOT NULL
    UNION ALL
    SELECT order_id, NULL::bigint, id, amount, method
    FROM recon_delivery WHERE order_id IS NOT NULL
"""

# Matches only ever get added, so only the orders that got one in this chunk can change: their
# figures are the new matches plus those they had (read before the new ones are written). In a
# temporary table, analysed, they tell the planner how many orders change, so a large chunk
# updates them in one pass over the order table (hash join) instead of one index lookup per
# order, and a small chunk still looks each one up.
_FIGURES = """
    CREATE TEMP TABLE recon_figures ON COMMIT DROP AS
    SELECT s.order_id,
           coalesce(sum(s.amount) FILTER (WHERE s.payment_id IS NOT NULL), 0) AS paid,
           coalesce(sum(s.amount) FILTER (WHERE s.delivery_id IS NOT NULL), 0) AS delivered
    FROM (
        SELECT n.order_id, n.payment_id, n.delivery_id, n.amount FROM ({new}) n
        UNION ALL
        SELECT m.order_id, m.payment_id, m.delivery_id, m.amount
        FROM settlement_reconciliationmatch m
        WHERE m.order_id IN (SELECT order_id FROM ({new}) n)
    ) s
    GROUP BY s.order_id
"""

# One statement writes the chunk's matches. No ON CONFLICT: the chunk holds its partners' locks
# and read what was open after taking them, so no other run can have matched these items; the
# unique indexes still refuse a second match of an item.
_WRITE = """
    INSERT INTO settlement_reconciliationmatch
        (run_id, order_id, payment_id, delivery_id, amount, method, created_at)
    SELECT %(run)s, order_id, payment_id, delivery_id, amount, method, now() FROM ({new}) n
    ORDER BY order_id
"""

# The run counts what its chunks matched, in the chunk's transaction (last, so the run's row is
# locked only until this chunk commits).
_RUN_COUNTS = """
    UPDATE settlement_reconciliationrun
    SET matched_by_reference = matched_by_reference + %(by_reference)s,
        matched_by_window = matched_by_window + %(by_window)s
    WHERE id = %(run)s
"""

_ORDER_FIGURES = """
    UPDATE settlement_order o
    SET paid_amount = f.paid, delivered_amount = f.delivered,
        status = CASE
            WHEN f.paid = 0 THEN 'unmatched'
            WHEN abs(f.paid - o.amount) <= o.amount * %(tolerance)s THEN 'matched'
            WHEN f.paid < o.amount THEN 'partially_paid'
            ELSE 'overpaid'
        END
    FROM recon_figures f
    WHERE o.id = f.order_id AND o.partner_id BETWEEN %(lo)s AND %(hi)s
      AND f.paid < %(money_limit)s AND f.delivered < %(money_limit)s
"""

# An order whose paid or delivered total does not fit its figures (numeric(18,4)) keeps them
# unchanged and gets an anomaly instead, once while one is open: the chunk completes.
_OUT_OF_RANGE = """
    INSERT INTO settlement_reconciliationanomaly (
        kind, partner_id, run_id, order_id, payment_id, related_payment_id, delivery_id,
        expected_amount, actual_amount, currency, state, created_at
    )
    SELECT 'amount_out_of_range', o.partner_id, %(run)s, o.id, NULL, NULL, NULL,
           o.amount, NULL, o.currency, 'open', now()
    FROM recon_figures f
    JOIN settlement_order o ON o.id = f.order_id
    WHERE (f.paid >= %(money_limit)s OR f.delivered >= %(money_limit)s)
      AND NOT EXISTS (
          SELECT 1 FROM settlement_reconciliationanomaly a
          WHERE a.kind = 'amount_out_of_range' AND a.order_id = o.id AND a.state = 'open'
      )
    ORDER BY o.id
"""

# A pair of payments (earlier q, later p) is looked at when either of them is new: seen for the
# first time in this chunk (`recon_payment`: matched now, or still without an order). A few new
# payments look up their pairs through the partner's index, from either side of the pair.
_PAIRS_OF_FEW = """
        SELECT p.id AS pid, q.id AS qid FROM recon_payment n
        JOIN settlement_payment p ON p.id = n.id
        JOIN settlement_payment q
          ON q.partner_id = p.partner_id AND q.reference = p.reference
         AND q.amount = p.amount AND q.currency = p.currency
         AND (q.paid_on, q.id) < (p.paid_on, p.id) AND p.paid_on - q.paid_on <= %(duplicate_days)s
        WHERE p.reference <> ''
        UNION
        SELECT p.id, q.id FROM recon_payment n
        JOIN settlement_payment q ON q.id = n.id
        JOIN settlement_payment p
          ON p.partner_id = q.partner_id AND p.reference = q.reference
         AND p.amount = q.amount AND p.currency = q.currency
         AND (q.paid_on, q.id) < (p.paid_on, p.id) AND p.paid_on - q.paid_on <= %(duplicate_days)s
        WHERE q.reference <> ''
"""

# Many new payments (a fresh run): one pass pairs the chunk's payments among themselves (a hash
# join) and keeps the pairs with a new payment, instead of joining every payment twice.
_PAIRS_OF_MANY = """
        SELECT p.id AS pid, q.id AS qid FROM settlement_payment p
        JOIN settlement_payment q
          ON q.partner_id = p.partner_id AND q.reference = p.reference
         AND q.amount = p.amount AND q.currency = p.currency
         AND (q.paid_on, q.id) < (p.paid_on, p.id) AND p.paid_on - q.paid_on <= %(duplicate_days)s
        WHERE p.partner_id BETWEEN %(lo)s AND %(hi)s AND q.partner_id BETWEEN %(lo)s AND %(hi)s
          AND p.reference <> '' AND (p.id IN (SELECT id FROM recon_payment) OR q.id IN (SELECT id FROM recon_payment))
"""
# From this many new payments in a chunk on, the single pass over the chunk's payments is cheaper.
PAIRS_OF_MANY_FROM = 20_000

_DUPLICATE_PAYMENTS = """
    WITH pairs AS ({pairs})
    INSERT INTO settlement_reconciliationanomaly (
        kind, partner_id, run_id, order_id, payment_id, related_payment_id, delivery_id,
        expected_amount, actual_amount, currency, state, created_at
    )
    SELECT DISTINCT ON (p.id) 'duplicate_payment', p.partner_id, %(run)s, NULL, p.id, q.id, NULL,
           q.amount, p.amount, p.currency, 'open', now()
    FROM pairs
    JOIN settlement_payment p ON p.id = pairs.pid
    JOIN settlement_payment q ON q.id = pairs.qid
    ORDER BY p.id, q.paid_on DESC, q.id DESC
    ON CONFLICT DO NOTHING
"""

_WITHOUT_ORDER = """
    INSERT INTO settlement_reconciliationanomaly (
        kind, partner_id, run_id, order_id, payment_id, related_payment_id, delivery_id,
        expected_amount, actual_amount, currency, state, created_at
    )
    SELECT %(kind)s, x.partner_id, %(run)s, NULL, {payment}, NULL, {delivery},
           NULL, x.amount, x.currency, 'open', now()
    FROM recon_{item} x
    WHERE x.order_id IS NULL
    ORDER BY x.id
    ON CONFLICT DO NOTHING
"""

_DEVIATIONS = """
    INSERT INTO settlement_reconciliationanomaly (
        kind, partner_id, run_id, order_id, payment_id, related_payment_id, delivery_id,
        expected_amount, actual_amount, currency, state, created_at
    )
    SELECT 'amount_deviation', o.partner_id, %(run)s, o.id, NULL, NULL, NULL,
           o.amount, o.paid_amount, o.currency, 'open', now()
    FROM settlement_order o
    WHERE o.partner_id BETWEEN %(lo)s AND %(hi)s
      AND o.status IN ('partially_paid', 'overpaid')
    ORDER BY o.id
    ON CONFLICT DO NOTHING
"""

# An anomaly whose cause went away (the payment or delivery found its order later, the order's
# paid total changed) is closed as cleared; finance resolves the others.
_CLEAR = """
    UPDATE settlement_reconciliationanomaly a SET state = 'cleared', closed_at = now()
    WHERE a.state = 'open' AND a.partner_id BETWEEN %(lo)s AND %(hi)s AND (
        (a.kind = 'payment_without_order' AND EXISTS (
            SELECT 1 FROM settlement_reconciliationmatch m WHERE m.payment_id = a.payment_id))
        OR (a.kind = 'delivery_without_order' AND EXISTS (
            SELECT 1 FROM settlement_reconciliationmatch m WHERE m.delivery_id = a.delivery_id))
        OR (a.kind = 'amount_deviation' AND EXISTS (
            SELECT 1 FROM settlement_order o
            WHERE o.id = a.order_id AND (o.status = 'matched' OR o.paid_amount <> a.actual_amount)))
    )
"""

ITEMS = {
    "payment": {"table": "settlement_payment", "ref": "reference", "date": "paid_on"},
    "delivery": {"table": "settlement_delivery", "ref": "order_reference", "date": "delivery_date"},
}


def orders_sync_from_deals() -> int:
    """Won deals with an order number become orders (once; an imported order of the same number wins)."""
    with connection.cursor() as cursor:
        cursor.execute(_SYNC_FROM_DEALS)
        return cursor.rowcount


def partner_chunks(*, chunks: int) -> list[list[int]]:
    """Split the partners that have orders, payments or deliveries into contiguous id ranges."""
    return key_ranges(source=_PARTNERS, key="partner_id", chunks=chunks)


def match_chunk(*, run_id: int, partner_range: tuple[int, int]) -> dict[str, int]:
    """Match one chunk of partners in one transaction; returns what this call added or changed."""
    policy = SettlementPolicy.current()
    lo, hi = partner_range
    params = {
        "run": run_id,
        "lo": lo,
        "hi": hi,
        "window": policy.match_window_days,
        "tolerance": policy.amount_tolerance,
        "duplicate_days": policy.duplicate_payment_days,
        "money_limit": MONEY_LIMIT,
    }
    counts = {"matches": 0, "orders_updated": 0, "anomalies": 0, "cleared": 0}
    with transaction.atomic(), connection.cursor() as cursor:
        # Hash joins and aggregates over a million rows stay in memory instead of spilling.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        # The chunk commits once: not waiting for its WAL flush changes nothing about atomicity (a
        # crash right after the commit loses the whole chunk, which the next run matches again).
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Compiling each large statement (JIT) costs more than it saves on these plain joins.
        cursor.execute("SET LOCAL jit = off")
        # The temporary tables (about 90 MB a kind at a million items) are read several times: kept
        # in the backend's own buffers rather than passed through the file system each time. The
        # size can only be chosen before the session's first temporary table (an error after, which
        # the savepoint absorbs: the session keeps the buffers it has).
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL temp_buffers = '256MB'")
        except DatabaseError:
            pass
        # Dropped at commit; dropped here too when the chunk runs inside a larger transaction.
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
        matched = {"reference": 0, "window": 0}
        # Payments and deliveries never compete for a match: each kind goes through the rules on
        # its own, references first (taken with the open items themselves).
        for item, names in ITEMS.items():
            cursor.execute(_ITEMS.format(item=item, **names), params)
            if item == "payment":
                new_payments = cursor.rowcount
            # The window steps look up, per candidate order, whether it has its payment (delivery)
            # already: an index keeps that one probe whatever plan the estimates lead to.
            cursor.execute(f"CREATE INDEX ON recon_{item} (order_id)")
            cursor.execute(f"ANALYZE recon_{item}")
            cursor.execute(_COUNT_BY_REFERENCE.format(item=item))
            matched["reference"] += cursor.fetchone()[0]
            cursor.execute(_CANDIDATES.format(item=item), params)
            for _pass in range(WINDOW_PASSES):
                cursor.execute(_BY_WINDOW.format(item=item))
                found = cursor.fetchone()[0]
                matched["window"] += found
                if found == 0:
                    break
        counts["matches"] = matched["reference"] + matched["window"]
        # A hash of a million orders' running sums outgrows work_mem and spills; sorting the
        # matches by order and summing each run of rows needs no memory per order.
        # The sort of two million matches fits in 256 MB (at 128 MB it went to disk).
        cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(_FIGURES.format(new=_NEW))
        cursor.execute("SET LOCAL enable_hashagg = on")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute("ANALYZE recon_figures")
        cursor.execute(_WRITE.format(new=_NEW), params)
        cursor.execute(_ORDER_FIGURES, params)
        counts["orders_updated"] = cursor.rowcount
        cursor.execute(_OUT_OF_RANGE, params)
        counts["anomalies"] += cursor.rowcount
        # Two payments that were both there before were paired then: no new payment, no new pair.
        if new_payments:
            pairs = _PAIRS_OF_MANY if new_payments >= PAIRS_OF_MANY_FROM else _PAIRS_OF_FEW
            cursor.execute(_DUPLICATE_PAYMENTS.format(pairs=pairs), params)
            counts["anomalies"] += cursor.rowcount
        for item, kind in (
            ("payment", "payment_without_order"),
            ("delivery", "delivery_without_order"),
        ):
            sql = _WITHOUT_ORDER.format(
                item=item,
                payment="x.id" if item == "payment" else "NULL",
                delivery="x.id" if item == "delivery" else "NULL",
            )
            cursor.execute(sql, params | {"kind": kind})
            counts["anomalies"] += cursor.rowcount
        cursor.execute(_DEVIATIONS, params)
        counts["anomalies"] += cursor.rowcount
        cursor.execute(_CLEAR, params)
        counts["cleared"] = cursor.rowcount
        if counts["matches"]:
            cursor.execute(
                _RUN_COUNTS,
                params | {"by_reference": matched["reference"], "by_window": matched["window"]},
            )
    return counts
