"""The nightly matching job (DESIGN §6.4): reference first, then partner + amount + ±5 days."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from deals.choices import DealStatus
from deals.models import DealLine
from settlement.choices import AnomalyKind, AnomalyState, MatchMethod, OrderStatus
from settlement.models import (
    Order,
    ReconciliationAnomaly,
    ReconciliationMatch,
    SettlementPolicy,
)
from tests.deals.factories import DealFactory, ProductFactory
from tests.factories import PartnerFactory

from .recon_factories import DAY, delivery, order, payment, run_matching

pytestmark = pytest.mark.django_db


def anomalies(kind=None):
    qs = ReconciliationAnomaly.objects.all()
    return list(qs.filter(kind=kind) if kind else qs)


def test_clean_match_by_reference_raises_no_anomaly(partner):
    # given an order, its delivery and its payment quoting the order number
    so = order(partner, "1000.00", reference="SO-A")
    pay = payment(partner, "1000.00", reference="SO-A", on=DAY + datetime.timedelta(days=40))
    dn = delivery(partner, "1000.00", order_reference="SO-A")
    # when
    run_matching()
    # then
    so.refresh_from_db()
    assert so.status == OrderStatus.MATCHED
    assert so.paid_amount == Decimal("1000.00") and so.delivered_amount == Decimal("1000.00")
    assert pay.match.order == so and pay.match.method == MatchMethod.REFERENCE
    assert dn.match.order == so
    assert anomalies() == []


def test_without_reference_matches_by_partner_amount_and_five_day_window(partner):
    # given two orders of the same amount, a payment four days after the second one
    early = order(partner, "500.00", on=DAY)
    late = order(partner, "500.00", on=DAY + datetime.timedelta(days=8))
    pay = payment(partner, "500.00", on=DAY + datetime.timedelta(days=12))
    # when
    run_matching()
    # then the closest order within ±5 days wins
    pay.refresh_from_db()
    assert pay.match.order == late and pay.match.method == MatchMethod.WINDOW
    early.refresh_from_db()
    assert early.status == OrderStatus.UNMATCHED


@pytest.mark.parametrize(("days", "matched"), [(5, True), (-5, True), (6, False), (-6, False)])
def test_window_edges(partner, days, matched):
    so = order(partner, "700.00")
    payment(partner, "700.00", on=DAY + datetime.timedelta(days=days))
    run_matching()
    so.refresh_from_db()
    assert (so.status == OrderStatus.MATCHED) is matched


def test_window_never_crosses_partners_or_currencies(partner, other_partner):
    order(partner, "700.00")
    payment(other_partner, "700.00")
    payment(partner, "700.00", currency="USD")
    run_matching()
    assert ReconciliationMatch.objects.count() == 0
    assert len(anomalies(AnomalyKind.PAYMENT_WITHOUT_ORDER)) == 2


def test_two_equal_payments_and_two_equal_orders_pair_once_each(partner):
    first = order(partner, "300.00", on=DAY)
    second = order(partner, "300.00", on=DAY + datetime.timedelta(days=1))
    payment(partner, "300.00", on=DAY)
    payment(partner, "300.00", on=DAY + datetime.timedelta(days=1))
    run_matching()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == OrderStatus.MATCHED
    assert anomalies() == []


@pytest.mark.parametrize(
    ("paid", "status", "deviation"),
    [
        ("1000.00", OrderStatus.MATCHED, False),
        ("995.00", OrderStatus.MATCHED, False),  # exactly 0.5 per cent short: tolerated
        ("1005.00", OrderStatus.MATCHED, False),
        ("994.99", OrderStatus.PARTIALLY_PAID, True),
        ("400.00", OrderStatus.PARTIALLY_PAID, True),
        ("1005.01", OrderStatus.OVERPAID, True),
    ],
)
def test_status_and_deviation_beyond_half_a_per_cent(partner, paid, status, deviation):
    # given
    so = order(partner, "1000.00", reference="SO-T")
    payment(partner, paid, reference="SO-T")
    # when
    run_matching()
    # then
    so.refresh_from_db()
    assert so.status == status
    found = anomalies(AnomalyKind.AMOUNT_DEVIATION)
    assert bool(found) is deviation
    if deviation:
        assert found[0].order == so
        assert (found[0].expected_amount, found[0].actual_amount) == (
            Decimal("1000.00"),
            Decimal(paid),
        )


def test_instalments_add_up_to_matched_and_clear_the_deviation(partner):
    so = order(partner, "1000.00", reference="SO-I")
    payment(partner, "600.00", reference="SO-I")
    run_matching()
    [deviation] = anomalies(AnomalyKind.AMOUNT_DEVIATION)
    payment(partner, "400.00", reference="SO-I", on=DAY + datetime.timedelta(days=20))
    run_matching()
    so.refresh_from_db()
    deviation.refresh_from_db()
    assert so.status == OrderStatus.MATCHED
    assert deviation.state == AnomalyState.CLEARED


def test_duplicate_payment_within_thirty_days(partner):
    # given the same payer, amount and reference twice, 30 days apart
    order(partner, "800.00", reference="SO-D")
    first = payment(partner, "800.00", reference="SO-D", on=DAY)
    second = payment(partner, "800.00", reference="SO-D", on=DAY + datetime.timedelta(days=30))
    # when
    run_matching()
    # then the later payment is the duplicate of the earlier one, and the order is overpaid
    [duplicate] = anomalies(AnomalyKind.DUPLICATE_PAYMENT)
    assert duplicate.payment == second and duplicate.related_payment == first
    assert Order.objects.get(reference="SO-D").status == OrderStatus.OVERPAID


@pytest.mark.parametrize(
    ("days", "amount", "reference", "duplicate"),
    [
        (31, "800.00", "SO-D", False),
        (3, "800.01", "SO-D", False),
        (3, "800.00", "OTHER", False),
        (0, "800.00", "SO-D", True),
    ],
)
def test_what_is_not_a_duplicate_payment(partner, days, amount, reference, duplicate):
    payment(partner, "800.00", reference="SO-D", on=DAY)
    payment(partner, amount, reference=reference, on=DAY + datetime.timedelta(days=days))
    run_matching()
    assert bool(anomalies(AnomalyKind.DUPLICATE_PAYMENT)) is duplicate


def test_payment_without_order_clears_when_the_order_arrives(partner):
    pay = payment(partner, "250.00", reference="SO-LATE")
    run_matching()
    [anomaly] = anomalies(AnomalyKind.PAYMENT_WITHOUT_ORDER)
    assert anomaly.payment == pay and anomaly.state == AnomalyState.OPEN
    order(partner, "250.00", reference="SO-LATE", on=DAY - datetime.timedelta(days=60))
    run_matching()
    anomaly.refresh_from_db()
    assert anomaly.state == AnomalyState.CLEARED
    assert pay.match.method == MatchMethod.REFERENCE


def test_delivery_without_order(partner):
    dn = delivery(partner, "90.00", order_reference="SO-NOPE")
    run_matching()
    [anomaly] = anomalies(AnomalyKind.DELIVERY_WITHOUT_ORDER)
    assert anomaly.delivery == dn and anomaly.partner == partner


def test_delivery_matches_by_window_when_it_names_no_order(partner):
    so = order(partner, "450.00")
    dn = delivery(partner, "450.00", on=DAY + datetime.timedelta(days=3))
    run_matching()
    assert dn.match.order == so and dn.match.method == MatchMethod.WINDOW
    so.refresh_from_db()
    assert so.delivered_amount == Decimal("450.00")


def _state():
    return (
        sorted(ReconciliationMatch.objects.values_list("order_id", "payment_id", "delivery_id")),
        sorted(
            ReconciliationAnomaly.objects.values_list("kind", "order_id", "payment_id", "state")
        ),
        sorted(Order.objects.values_list("pk", "status", "paid_amount", "delivered_amount")),
    )


def test_rerun_changes_nothing(partner, other_partner):
    # given every kind of situation across two partners
    order(partner, "1000.00", reference="SO-1")
    payment(partner, "1000.00", reference="SO-1")
    payment(partner, "1000.00", reference="SO-1", on=DAY + datetime.timedelta(days=2))
    order(other_partner, "100.00")
    payment(other_partner, "100.00", on=DAY + datetime.timedelta(days=1))
    payment(other_partner, "55.00")
    delivery(other_partner, "12.00", order_reference="NOPE")
    first = run_matching()
    before = _state()
    # when
    second = run_matching(chunks=1)
    # then
    assert _state() == before
    assert first.matches.count() == 3 and second.matches.count() == 0
    assert second.anomalies.count() == 0
    assert second.is_finished and second.chunks_done == second.chunks


def test_database_refuses_a_second_match_of_a_payment(partner):
    so = order(partner)
    pay = payment(partner)
    run = run_matching()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationMatch.objects.create(run=run, order=so, payment=pay, method="window")


def test_imported_rows_and_matches_are_append_only_in_the_database(partner):
    so = order(partner)
    pay = payment(partner)
    run_matching()
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=so.pk).update(amount=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        type(pay).objects.filter(pk=pay.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationMatch.objects.all().delete()


def test_window_and_tolerance_are_configurable(partner):
    policy = SettlementPolicy.current()
    policy.match_window_days = 10
    policy.amount_tolerance = Decimal("0.1")
    policy.save()
    so = order(partner, "1000.00")
    payment(partner, "1000.00", on=DAY + datetime.timedelta(days=9))
    other = order(partner, "1000.00", reference="SO-TOL", on=DAY - datetime.timedelta(days=200))
    payment(partner, "950.00", reference="SO-TOL", on=DAY - datetime.timedelta(days=200))
    run_matching()
    so.refresh_from_db()
    other.refresh_from_db()
    assert so.status == other.status == OrderStatus.MATCHED


def test_won_deals_become_orders_once(partner):
    # given a won deal with two final order lines (and an earlier quoted line that does not count)
    deal = DealFactory(partner=partner, status=DealStatus.WON, order_number="PO-77", closed_on=DAY)
    for quantity, price in ((3, "10.50"), (1, "100.00")):
        DealLine.objects.create(
            deal=deal,
            product=ProductFactory(),
            quantity=quantity,
            unit_price=Decimal(price),
            final=True,
        )
    # when the job runs twice
    run_matching()
    run_matching()
    [so] = Order.objects.filter(deal=deal)
    assert so.reference == deal.order_number and so.partner == partner
    assert so.amount == Decimal("131.50") and so.order_date == DAY


def test_chunks_split_partners_for_several_workers(db):
    partners = [PartnerFactory() for _ in range(4)]
    for p in partners:
        order(p, "10.00")
        payment(p, "10.00")
    run = run_matching(chunks=3)
    assert run.chunks == 3
    assert Order.objects.filter(status=OrderStatus.MATCHED).count() == 4


def test_duplicate_found_when_the_earlier_payment_is_imported_later(partner):
    # given a payment already reconciled in an earlier run
    order(partner, "800.00", reference="SO-B")
    later = payment(partner, "800.00", reference="SO-B", on=DAY + datetime.timedelta(days=10))
    run_matching()
    # when a payment of the same payer, amount and reference, dated earlier, arrives afterwards
    earlier = payment(partner, "800.00", reference="SO-B", on=DAY)
    run_matching()
    # then the later one is the duplicate of the earlier one
    [duplicate] = anomalies(AnomalyKind.DUPLICATE_PAYMENT)
    assert duplicate.payment == later and duplicate.related_payment == earlier


@pytest.mark.django_db(transaction=True)
def test_matches_in_a_session_that_already_used_temporary_tables():
    """The job asks for larger buffers for its temporary tables, which a session can only get
    before its first one: a session that had some already matches with the buffers it has."""
    from django.db import connection

    # given a fresh session whose temporary-table buffers are fixed by an earlier temporary table
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE earlier (id int)")
        cursor.execute("INSERT INTO earlier VALUES (1)")
    partner = PartnerFactory()
    so = order(partner, "1000.00", reference="SO-T")
    payment(partner, "1000.00", reference="SO-T")
    # when
    run_matching()
    # then
    so.refresh_from_db()
    assert so.status == OrderStatus.MATCHED
    with connection.cursor() as cursor:
        cursor.execute("SHOW temp_buffers")
        assert cursor.fetchone() == ("8MB",)
        cursor.execute("DROP TABLE earlier")
