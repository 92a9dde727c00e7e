import pytest

from accounts import demo as accounts_demo
from funds import demo
from funds.choices import ClaimStatus, RequestStatus
from funds.models import Claim, FundRequest, MdfLedgerEntry
from partners import demo as partners_demo

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
