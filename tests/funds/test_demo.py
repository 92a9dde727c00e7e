import pytest

from accounts import demo as accounts_demo
from deals import demo as deals_demo
from funds import demo
from funds.choices import ClaimStatus, RequestStatus
from funds.models import Claim, FundRequest, MdfLedgerEntry
from funds.selectors import activity_results
from partners import demo as partners_demo
from settlement.models import StatementLine

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_covers_each_approval_level():
    accounts_demo.seed()
    partners_demo.seed()
    demo.seed()
    counts = (MdfLedgerEntry.objects.count(), FundRequest.objects.count())
    demo.seed()
    assert (MdfLedgerEntry.objects.count(), FundRequest.objects.count()) == counts
    levels = {tuple(r) for r in FundRequest.objects.values_list("approver_roles", flat=True)}
    assert len(levels) == 3
    assert FundRequest.objects.filter(status=RequestStatus.SUBMITTED).count() == 2
    assert Claim.objects.get().status == ClaimStatus.VALIDATED


def test_demo_claim_appears_on_a_statement_and_deals_reference_the_activity():
    accounts_demo.seed()
    partners_demo.seed()
    deals_demo.seed()
    demo.seed()
    demo.seed()
    claim = Claim.objects.get()
    line = StatementLine.objects.get(
        entry__source_type="funds.claim", entry__source_id=str(claim.pk)
    )
    assert line.kind == "mdf_reimbursement"
    assert line.amount == claim.reimbursement_amount
    assert line.statement.partner == claim.fund_request.partner
    results = activity_results(fund_request=claim.fund_request)
    assert results["deals"] == 2
    assert results["won"] == 1
    assert results["roi"] is not None
