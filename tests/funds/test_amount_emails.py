"""MDF decision e-mails that mention money show it in the one display form (DESIGN §9)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from accounts.choices import Role
from funds import services
from tests.factories import staff

from .factories import allocation, pdf, submit

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_approval_and_validated_claim_emails_show_amounts_formatted(
    committed, partner, partner_user, finance_user, language
):
    # given a partner finance user reading in one language and an approved request of 12,345.60
    partner_user.language = language
    partner_user.save(update_fields=["language"])
    with time_machine.travel(datetime.datetime(2026, 2, 1, 9, 0), tick=False):
        allocation(partner, "100000.00")
        request = submit(
            partner,
            partner_user,
            "12345.60",
            budget=Decimal("40000.00"),
            start_date=START,
            end_date=START,
        )
        with committed():
            services.fund_request_approve(fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR))
    (approved,) = [m for m in mail.outbox if m.to == [partner_user.email]]
    assert "CNY 12,345.60" in approved.body
    # when the claim of 20,000 spend is validated (reimbursement: 30.864% share → 6,172.80)
    mail.outbox.clear()
    request.refresh_from_db()
    with time_machine.travel(START, tick=False):
        claim = services.claim_submit(
            fund_request=request,
            actor=partner_user,
            actual_spend=Decimal("20000.00"),
            leads_generated=3,
            attachments=[pdf()],
        )
        with committed():
            claim = services.claim_validate(claim=claim, actor=finance_user)
    # then the e-mail shows the reimbursement as pages do
    (validated,) = [m for m in mail.outbox if m.to == [partner_user.email]]
    assert f"CNY {claim.reimbursement_amount:,.2f}" in validated.body
    assert "CNY 6,172.80" in validated.body
