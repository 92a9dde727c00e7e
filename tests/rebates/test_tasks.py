"""The accrual run as jobs: fan-out per period, chunk tasks, single flight, the command."""

from decimal import Decimal
from io import StringIO

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from core.locks import lock_key
from core.models import JobRun
from rebates.models import Accrual
from rebates.tasks import rebate_calculate_open_periods_task, rebate_calculate_period_task
from tests.factories import PartnerFactory, tier

from .factories import PERIOD, line, programme, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_partners():
    prog = programme()
    partners = [PartnerFactory(tier=tier("silver")) for _ in range(3)]
    for p in partners:
        target(prog, p, 1_000_000)
        line(p, 800_000)
    return partners


def test_period_task_fans_out_chunks_and_completes_the_job(three_partners):
    # when
    result = rebate_calculate_period_task.delay(str(PERIOD), chunks=2).get()
    # then
    assert result == {"chunks": 2}
    assert Accrual.objects.count() == 3
    job = JobRun.objects.get(kind="rebates.calculate")
    assert job.status == "succeeded" and job.done == job.total == 2


def test_a_second_run_of_the_same_period_is_skipped_while_one_runs(three_partners):
    # given another session holds the period's lock
    params = connection.get_connection_params()
    other = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key(f"rebates.calculate.{PERIOD}")])
        # when
        result = rebate_calculate_period_task.delay(str(PERIOD)).get()
    finally:
        other.close()
    # then
    assert result == {"skipped": True}
    assert Accrual.objects.count() == 0


def test_nightly_task_recomputes_the_current_and_previous_quarter(three_partners, time_machine):
    time_machine.move_to("2026-08-01T02:30:00Z")
    assert rebate_calculate_open_periods_task.delay().get() == ["2026Q2", "2026Q3"]
    assert Accrual.objects.filter(period="2026Q3").count() == 3


def test_command_calculates_a_period_in_chunks(three_partners):
    out = StringIO()
    call_command("calculate_rebates", period="2026Q3", chunks=3, stdout=out)
    assert "3 chunk(s), 3 accrual(s)" in out.getvalue()
    assert {a.amount for a in Accrual.objects.all()} == {Decimal("40000.00")}


def test_command_refuses_a_bad_period():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("calculate_rebates", period="2026Q5")
