"""Poison values already in the append-only tables (issue item 9): the nightly rebate calculation
and the reconciliation isolate the partner or order they break, record why for finance, and
complete for everyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import JobRun, JobStatus
from rebates.models import Accrual, AccrualFailure
from rebates.tasks import rebate_calculate_period_task
from settlement.choices import AnomalyKind, AnomalyState, OrderStatus
from settlement.models import Order, ReconciliationAnomaly
from settlement.tasks import reconciliation_nightly_task
from tests.factories import PartnerFactory
from tests.rebates.factories import PERIOD, line, programme, target
from tests.settlement.recon_factories import order, payment

pytestmark = pytest.mark.django_db


def test_a_poison_sales_line_fails_its_partner_not_the_calculation(client, finance_user):
    # given two partners, one with a sales line of 9,999,999,999,999,999 (stored before the
    # import checked ranges; sales lines are append-only)
    prog = programme()
    healthy, poisoned = PartnerFactory(), PartnerFactory()
    for partner in (healthy, poisoned):
        target(prog, partner, 1_000_000)
        line(partner, 1_100_000)
    line(poisoned, "9999999999999999")
    # when the nightly job runs the quarter
    rebate_calculate_period_task.delay(str(PERIOD), chunks=1).get()
    # then the job completes, the healthy partner is computed and the poisoned one recorded
    job = JobRun.objects.get(kind="rebates.calculate")
    assert job.status == JobStatus.SUCCEEDED
    assert Accrual.objects.get(partner=healthy).amount > 0
    assert not Accrual.objects.filter(partner=poisoned).exists()
    failure = AccrualFailure.objects.get(partner=poisoned, programme=prog, period=str(PERIOD))
    assert failure.revenue.startswith("10000000001099999")
    # and finance sees why on the accruals page
    client.force_login(finance_user)
    page = client.get(reverse("rebates:accrual_list")).content.decode()
    assert "could not compute" in page and poisoned.legal_name in page


def test_a_failure_goes_away_once_the_partner_computes(finance_user):
    # given a partner recorded as failed whose poison line was offset by a credit note
    prog = programme()
    partner = PartnerFactory()
    target(prog, partner, 1_000_000)
    line(partner, "9999999999999999")
    rebate_calculate_period_task.delay(str(PERIOD), chunks=1).get()
    assert AccrualFailure.objects.filter(partner=partner).exists()
    line(partner, "9999999999999999", kind="return")
    line(partner, 900_000)
    # when the next run comes
    rebate_calculate_period_task.delay(str(PERIOD), chunks=1).get()
    # then
    assert not AccrualFailure.objects.filter(partner=partner).exists()
    assert Accrual.objects.filter(partner=partner).exists()


def test_poison_payments_fail_their_order_not_the_reconciliation(committed):
    # given an order paid twice 99,999,999,999,999 (a total its figures cannot hold), and a
    # healthy order of another partner
    poisoned, healthy = PartnerFactory(), PartnerFactory()
    bad = order(poisoned, "1000.00", reference="SO-BAD")
    payment(poisoned, "99999999999999", reference="SO-BAD")
    payment(poisoned, "99999999999999", reference="SO-BAD")
    good = order(healthy, "500.00", reference="SO-OK")
    payment(healthy, "500.00", reference="SO-OK")
    # when the nightly reconciliation runs (its chunks in-process after commit)
    with committed():
        reconciliation_nightly_task()
    # then the healthy order is matched, the poisoned one left as it was, with an anomaly
    assert Order.objects.get(pk=good.pk).status == OrderStatus.MATCHED
    assert Order.objects.get(pk=bad.pk).paid_amount == 0
    anomaly = ReconciliationAnomaly.objects.get(order=bad)
    assert (anomaly.kind, anomaly.state) == (AnomalyKind.AMOUNT_OUT_OF_RANGE, AnomalyState.OPEN)
    assert anomaly.get_kind_display() == "Amounts too large to reconcile"
    assert anomaly.run.is_finished and anomaly.run.job.status == JobStatus.SUCCEEDED
    # when it runs again: still one open anomaly for that order
    with committed():
        reconciliation_nightly_task()
    assert ReconciliationAnomaly.objects.filter(order=bad).count() == 1
