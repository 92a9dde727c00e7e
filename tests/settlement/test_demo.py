"""The settlement demo: a closed quarter in several states and every anomaly kind, seeded once."""

import pytest

from accounts import demo as accounts_demo
from partners import demo as partners_demo
from settlement import demo
from settlement.choices import AnomalyKind, MatchMethod, StatementState
from settlement.models import (
    Dispute,
    Order,
    Payment,
    ReconciliationAnomaly,
    ReconciliationMatch,
    ReconciliationRun,
    Statement,
)
from tests.factories import tier

pytestmark = pytest.mark.django_db


def _counts():
    return [
        m.objects.count()
        for m in (Statement, Dispute, Order, Payment, ReconciliationMatch, ReconciliationAnomaly)
    ]


def test_seed_is_idempotent_and_covers_the_story():
    # given the demo users and partners (the default tiers back if a transactional test flushed them)
    tier("silver")
    accounts_demo.seed()
    partners_demo.seed()
    # when
    demo.seed()
    first = _counts()
    demo.seed()
    # then
    assert _counts() == first
    states = set(Statement.objects.values_list("state", flat=True))
    assert {
        StatementState.PUBLISHED,
        StatementState.DISPUTED,
        StatementState.PAID,
        StatementState.IN_REVIEW,
    } <= states
    countersigned = Statement.objects.get(partner__tax_id=demo.HUADONG)
    assert countersigned.required_approvals == 3 and countersigned.approvals.count() == 3
    assert Dispute.objects.count() == 2
    # the quarter before: a disputed statement re-issued as revision 2, reviewed and published
    superseded = Statement.objects.get(state=StatementState.SUPERSEDED)
    revision = superseded.successor
    assert (revision.revision, revision.state, revision.revision_of) == (
        2,
        StatementState.PUBLISHED,
        superseded,
    )
    assert revision.payable - superseded.payable == 3200
    assert superseded.disputes.get().reissued
    assert ReconciliationRun.objects.count() == 1
    # every kind but "amounts too large": its poison payments are refused by the import now
    assert set(ReconciliationAnomaly.objects.values_list("kind", flat=True)) == set(
        AnomalyKind.values
    ) - {AnomalyKind.AMOUNT_OUT_OF_RANGE}
    assert set(ReconciliationMatch.objects.values_list("method", flat=True)) == set(
        MatchMethod.values
    )


def test_demo_rates_two_quarters_and_proposes_a_lower_limit_for_the_short_payer():
    from partners.models import CreditLimitProposal, CreditRating

    tier("silver")
    accounts_demo.seed()
    partners_demo.seed()
    demo.seed()
    ratings = CreditRating.objects.count()
    demo.seed()
    assert CreditRating.objects.count() == ratings
    zhilian = CreditRating.objects.filter(partner__tax_id=demo.ZHILIAN).first()
    assert zhilian.previous_grade in ("AAA", "AA") and zhilian.grade in ("B", "C")
    assert zhilian.overdue_exposure > 0
    proposal = CreditLimitProposal.objects.get(partner__tax_id=demo.ZHILIAN)
    assert proposal.status == "pending" and proposal.proposed_limit < proposal.current_limit
    assert len(set(CreditRating.objects.values_list("grade", flat=True))) >= 2
