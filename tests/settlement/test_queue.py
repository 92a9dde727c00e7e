from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from settlement.models import SettlementEntry

from .factories import built_statement, queue_entry

pytestmark = pytest.mark.django_db


def test_queueing_the_same_source_twice_returns_the_first_entry(partner):
    first = queue_entry(partner, "10.00", source_id="accrual-7")
    again = queue_entry(partner, "99.00", source_id="accrual-7")
    assert again.pk == first.pk
    assert SettlementEntry.objects.count() == 1
    assert SettlementEntry.objects.get().amount == Decimal("10.00")


def test_queue_refuses_unknown_kind_and_bad_period(partner):
    with pytest.raises(ValidationError):
        queue_entry(partner, kind="bonus")
    with pytest.raises(ValidationError):
        queue_entry(partner, period="2026-09")
    assert SettlementEntry.objects.count() == 0


def test_entries_are_append_only_in_the_database(partner):
    entry = queue_entry(partner, "10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementEntry.objects.filter(pk=entry.pk).update(amount=Decimal("11.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementEntry.objects.filter(pk=entry.pk).delete()
    assert SettlementEntry.objects.get(pk=entry.pk).amount == Decimal("10.00")


def test_inclusion_in_a_statement_happens_once(partner, other_partner):
    statement = built_statement(partner)
    other = built_statement(other_partner)
    entry = statement.entries.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementEntry.objects.filter(pk=entry.pk).update(statement=other)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementEntry.objects.filter(pk=entry.pk).update(statement=None)
    assert SettlementEntry.objects.get(pk=entry.pk).statement_id == statement.pk
