"""The matching job against the rules of DESIGN §6.4, written out a second time in plain Python.

A mixed data set (reference matches, amounts within and beyond the tolerance, instalments,
overpayments, date-window matches with competing orders and payments, other currencies, unknown
references, duplicate payments, deliveries with and without an order) is matched by the job in
several chunks; every match, order figure and anomaly must be what the rules below give.
"""

from __future__ import annotations

import datetime
import os
import random
from decimal import Decimal

import pytest
from django.db import connection

from core.dbroles import grant_app_role
from settlement.models import (
    Order,
    ReconciliationAnomaly,
    ReconciliationMatch,
    SettlementPolicy,
)
from tests.factories import PartnerFactory

from .recon_factories import DAY, delivery, order, payment, run_matching

pytestmark = pytest.mark.django_db

WINDOW_PASSES = 3
AMOUNTS = ["100.00", "250.00", "250.00", "999.00", "1000.00"]


def _window_passes(open_items, orders, taken, window):
    """Mutual closest pairs of open items and orders not taken yet, pass after pass."""
    found = {}
    for _pass in range(WINDOW_PASSES):
        candidates = [
            (abs((x["day"] - o["day"]).days), x["id"], o["id"])
            for x in open_items
            if x["id"] not in found
            for o in orders
            if o["id"] not in taken
            and (o["partner"], o["currency"], o["amount"])
            == (x["partner"], x["currency"], x["amount"])
            and abs((x["day"] - o["day"]).days) <= window
        ]
        best_for_item, best_for_order = {}, {}
        for gap, xid, oid in candidates:
            if xid not in best_for_item or (gap, oid) < best_for_item[xid]:
                best_for_item[xid] = (gap, oid)
            if oid not in best_for_order or (gap, xid) < best_for_order[oid]:
                best_for_order[oid] = (gap, xid)
        pairs = [
            (xid, oid)
            for xid, (gap, oid) in best_for_item.items()
            if best_for_order[oid] == (gap, xid)
        ]
        if not pairs:
            break
        for xid, oid in pairs:
            found[xid] = oid
            taken.add(oid)
    return found


def _match(items, orders, window):
    """{item id: (order id, method)} by reference first, then by the window."""
    by_reference = {(o["partner"], o["reference"], o["currency"]): o["id"] for o in orders}
    matched = {}
    for x in items:
        key = (x["partner"], x["reference"], x["currency"])
        if x["reference"] and key in by_reference:
            matched[x["id"]] = (by_reference[key], "reference")
    taken = {oid for oid, _method in matched.values()}
    open_items = [x for x in items if x["id"] not in matched]
    for xid, oid in _window_passes(open_items, orders, taken, window).items():
        matched[xid] = (oid, "window")
    return matched


def expected_results(orders, payments, deliveries, policy):
    window, tolerance = policy.match_window_days, policy.amount_tolerance
    paid_by = _match(payments, orders, window)
    delivered_by = _match(deliveries, orders, window)
    matches = [(oid, xid, None, method) for xid, (oid, method) in paid_by.items()] + [
        (oid, None, xid, method) for xid, (oid, method) in delivered_by.items()
    ]
    figures, anomalies = [], []
    for o in orders:
        paid = sum(
            (x["amount"] for x in payments if paid_by.get(x["id"], (0,))[0] == o["id"]), Decimal(0)
        )
        delivered = sum(
            (x["amount"] for x in deliveries if delivered_by.get(x["id"], (0,))[0] == o["id"]),
            Decimal(0),
        )
        if paid == 0:
            status = "unmatched"
        elif abs(paid - o["amount"]) <= o["amount"] * tolerance:
            status = "matched"
        elif paid < o["amount"]:
            status = "partially_paid"
        else:
            status = "overpaid"
        figures.append((o["id"], status, paid, delivered))
        if status in ("partially_paid", "overpaid"):
            anomalies.append(("amount_deviation", o["id"], None, None, None, paid))
    for x in payments:
        if x["id"] not in paid_by:
            anomalies.append(("payment_without_order", None, x["id"], None, None, x["amount"]))
        earlier = [
            q
            for q in payments
            if x["reference"]
            and (q["partner"], q["reference"], q["amount"], q["currency"])
            == (x["partner"], x["reference"], x["amount"], x["currency"])
            and (q["day"], q["id"]) < (x["day"], x["id"])
            and (x["day"] - q["day"]).days <= policy.duplicate_payment_days
        ]
        if earlier:
            q = max(earlier, key=lambda q: (q["day"], q["id"]))
            anomalies.append(("duplicate_payment", None, x["id"], q["id"], None, x["amount"]))
    for x in deliveries:
        if x["id"] not in delivered_by:
            anomalies.append(("delivery_without_order", None, None, None, x["id"], x["amount"]))
    return _normal(matches), _normal(figures), _normal(anomalies)


def _normal(rows):
    """Rows as sorted tuples of text (4 decimal places, like the database's money)."""

    def text(value):
        if value is None:
            return "-"
        if isinstance(value, Decimal):
            return f"{value:.4f}"
        if isinstance(value, int):
            return f"{value:012d}"
        return str(value)

    return sorted(tuple(text(v) for v in row) for row in rows)


def actual_results():
    matches = ReconciliationMatch.objects.values_list(
        "order_id", "payment_id", "delivery_id", "method"
    )
    figures = Order.objects.values_list("pk", "status", "paid_amount", "delivered_amount")
    anomalies = ReconciliationAnomaly.objects.values_list(
        "kind", "order_id", "payment_id", "related_payment_id", "delivery_id", "actual_amount"
    )
    return _normal(matches), _normal(figures), _normal(anomalies)


def _mixed_data_set(seed):
    """Three partners, CNY and USD, orders with every kind of payment and delivery."""
    rng = random.Random(seed)
    partners = [PartnerFactory() for _ in range(3)]

    def day(spread):
        return DAY + datetime.timedelta(days=rng.randint(-spread, spread))

    for i in range(45):
        partner = rng.choice(partners)
        currency = "USD" if i % 9 == 0 else "CNY"
        so = order(
            partner, rng.choice(AMOUNTS), on=day(8), currency=currency, reference=f"R{seed}-{i}"
        )
        kind = rng.choice(
            ["exact", "tolerance", "partial", "over", "instalments", "window", "window", "none"]
        )
        amount = so.amount
        on = so.order_date + datetime.timedelta(days=rng.randint(-7, 7))
        if kind == "exact":
            payment(partner, str(amount), reference=so.reference, on=on, currency=currency)
        elif kind == "tolerance":
            payment(
                partner,
                str((amount * Decimal("0.996")).quantize(Decimal("0.01"))),
                reference=so.reference,
                on=on,
                currency=currency,
            )
        elif kind == "partial":
            payment(
                partner,
                str((amount / 3).quantize(Decimal("0.01"))),
                reference=so.reference,
                on=on,
                currency=currency,
            )
        elif kind == "over":
            payment(
                partner,
                str(amount + Decimal("25.00")),
                reference=so.reference,
                on=on,
                currency=currency,
            )
        elif kind == "instalments":
            half = (amount / 2).quantize(Decimal("0.01"))
            payment(partner, str(half), reference=so.reference, on=on, currency=currency)
            payment(
                partner,
                str(amount - half),
                reference=so.reference,
                on=on + datetime.timedelta(days=rng.randint(0, 40)),
                currency=currency,
            )
        elif kind == "window":
            # no reference: partner + amount + date; sometimes in the wrong currency
            other = "USD" if rng.random() < 0.15 else currency
            payment(partner, str(amount), on=on, currency=other)
        if rng.random() < 0.7:
            reference = so.reference if rng.random() < 0.6 else ""
            delivery(partner, str(amount), order_reference=reference, on=day(8), currency=currency)
        if rng.random() < 0.15:  # the same payment again (duplicate) within or beyond 30 days
            payment(
                partner,
                str(amount),
                reference=so.reference,
                on=on + datetime.timedelta(days=rng.choice([0, 12, 30, 31])),
                currency=currency,
            )
    for _ in range(8):  # strays: unknown references, amounts no order has
        partner = rng.choice(partners)
        payment(
            partner,
            rng.choice(["77.70", "250.00"]),
            reference=rng.choice(["", "INV-9"]),
            on=day(12),
        )
        delivery(
            partner,
            rng.choice(["66.60", "100.00"]),
            order_reference=rng.choice(["", "NX-1"]),
            on=day(12),
        )
    return partners


def _rows(model, reference_field, day_field):
    return [
        {
            "id": row["pk"],
            "partner": row["partner_id"],
            "reference": row[reference_field],
            "day": row[day_field],
            "amount": row["amount"],
            "currency": row["currency"],
        }
        for row in model.objects.values(
            "pk", "partner_id", reference_field, day_field, "amount", "currency"
        ).order_by("pk")
    ]


@pytest.mark.parametrize(
    ("seed", "pairs_of_many_from"),
    # The duplicate pairs of many new payments (a fresh run) are found another way: both ways.
    [(1, None), (2, None), (3, None), (4, None), (1, 0), (2, 0)],
)
def test_a_mixed_data_set_is_matched_as_the_rules_say(seed, pairs_of_many_from, monkeypatch):
    from settlement import matching
    from settlement.models import Delivery, Payment

    # given
    if pairs_of_many_from is not None:
        monkeypatch.setattr(matching, "PAIRS_OF_MANY_FROM", pairs_of_many_from)
    _mixed_data_set(seed)
    policy = SettlementPolicy.current()
    expected = expected_results(
        _rows(Order, "reference", "order_date"),
        _rows(Payment, "reference", "paid_on"),
        _rows(Delivery, "order_reference", "delivery_date"),
        policy,
    )
    # the data set has every case in it
    kinds = {row[0] for row in expected[2]}
    assert kinds == {
        "amount_deviation",
        "payment_without_order",
        "delivery_without_order",
        "duplicate_payment",
    }
    assert {m[3] for m in expected[0]} == {"reference", "window"}
    assert {f[1] for f in expected[1]} == {"matched", "partially_paid", "overpaid", "unmatched"}
    # when the job runs in three chunks
    run = run_matching(chunks=3)
    # then
    assert actual_results() == expected
    # and the run counted what it matched
    assert run.matched_by_reference == sum(1 for m in expected[0] if m[3] == "reference")
    assert run.matched_by_window == sum(1 for m in expected[0] if m[3] == "window")
    # and a second run changes nothing
    again = run_matching(chunks=1)
    assert actual_results() == expected
    assert (again.matched_by_reference, again.matched_by_window) == (0, 0)


def test_the_job_needs_nothing_the_application_role_lacks(partner):
    """Its temporary tables and their index, the matches, the order figures and the run's counts
    are all within the rights of the role the portal runs as (it owns nothing)."""
    # given an order with a payment quoting it and a delivery that names none
    so = order(partner, "1000.00", reference="SO-ROLE")
    payment(partner, "1000.00", reference="SO-ROLE")
    delivery(partner, "1000.00", on=DAY + datetime.timedelta(days=2))
    role = f"prm_app_recon_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with connection.cursor() as cursor:
        grant_app_role(cursor, role=role)
        cursor.execute(f'SET ROLE "{role}"')
    try:
        # when the job runs as that role
        run = run_matching()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (role,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    # then
    so.refresh_from_db()
    assert (so.status, so.paid_amount, so.delivered_amount) == (
        "matched",
        Decimal("1000.00"),
        Decimal("1000.00"),
    )
    assert (run.matched_by_reference, run.matched_by_window) == (1, 1)
