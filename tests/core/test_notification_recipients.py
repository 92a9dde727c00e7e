"""Notifications go to the people concerned, never to a whole partner company (DESIGN §8)."""

import datetime
import datetime as dt

import pytest
from django.utils import timezone

from accounts.choices import Role
from core.models import Notification
from core.notifications import Audience, partner_recipients
from deals import services as deal_services
from deals.choices import DealStatus
from deals.models import Deal
from funds import services as fund_services
from funds.defaults import ensure_default_matrix
from funds.models import ApprovalRule
from partners import services as partner_services
from settlement import services as settlement_services
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory, staff
from tests.funds.factories import allocation, submit
from tests.partners.factories import agreement_in
from tests.settlement.factories import approved_statement
from tests.training.factories import CertificationFactory
from training.services import certification_send_expiry_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    """A partner company with two admins, a finance user and three sellers."""
    partner = PartnerFactory(channel_manager=staff(Role.CHANNEL_MANAGER))
    people = {
        "admins": [PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN) for _ in range(2)],
        "finance": PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE),
        "sellers": [PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES) for _ in range(3)],
    }
    return partner, people


def _recipients(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def _pks(*users) -> set[int]:
    return {u.pk for u in users}


def test_audience_never_includes_another_company_or_inactive_users(company):
    partner, people = company
    stranger = PartnerUserFactory(role=Role.PARTNER_ADMIN)
    gone = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN, is_active=False)
    found = partner_recipients(partner=partner, audience=Audience.ADMINS, people=[stranger, gone])
    assert _pks(*found) == _pks(*people["admins"])


def _submitted_deal(partner, registrant) -> Deal:
    deal = DealFactory(partner=partner, registered_by=registrant)
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.SUBMITTED, submitted_at=timezone.now())
    deal.refresh_from_db()
    return deal


@pytest.mark.parametrize(
    ("decide", "kind"),
    [
        (
            lambda deal, d: deal_services.deal_reject(deal=deal, actor=d, reason="no"),
            "deal.rejected",
        ),
        (
            lambda deal, d: deal_services.deal_approve(deal=deal, actor=d, reason="ok"),
            "deal.approved",
        ),
    ],
)
def test_a_deal_decision_goes_to_its_registrant_and_the_partner_admins_only(company, decide, kind):
    # given a registration by one seller of a company with ten-ish users
    partner, people = company
    registrant, *other_sellers = people["sellers"]
    deal = _submitted_deal(partner, registrant)
    # when a director decides it
    decide(deal, staff(Role.CHANNEL_DIRECTOR))
    # then the registrant and the admins hear of it; the other sellers and finance do not
    assert _recipients(kind) == _pks(registrant, *people["admins"])


def test_protection_expiry_warning_goes_to_the_registrant_and_admins(company):
    partner, people = company
    registrant = people["sellers"][0]
    deal = _submitted_deal(partner, registrant)
    Deal.objects.filter(pk=deal.pk).update(
        status=DealStatus.APPROVED, protection_ends_at=timezone.now() + datetime.timedelta(days=3)
    )
    assert deal_services.deal_warn_expiring() == 1
    assert _recipients("deal.expiring") == _pks(registrant, *people["admins"])


def test_a_published_statement_goes_to_partner_finance_and_admins(company):
    # given an approved statement
    partner, people = company
    statement = approved_statement(partner, "1200.00")
    # when finance publishes it
    settlement_services.statement_publish(statement=statement, actor=staff(Role.FINANCE))
    # then partner finance and admins hear of it, sellers do not
    assert _recipients("statement.published") == _pks(people["finance"], *people["admins"])


def test_an_mdf_decision_goes_to_the_requester_and_partner_finance_and_admins(company, committed):
    # given an MDF request filed by an admin (sellers may not file one, DESIGN §1)
    ensure_default_matrix(ApprovalRule)
    partner, people = company
    allocation(partner, "1000000.00")
    requester = people["admins"][0]
    request = submit(partner, requester, "100.00")
    # when it is rejected (the partner hears of it once the decision is committed)
    with committed():
        fund_services.fund_request_reject(
            fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR), note="Out of scope"
        )
    # then the requester, partner finance and admins hear of it, the sellers do not
    assert _recipients("mdf.decision") == _pks(requester, people["finance"], *people["admins"])


def test_certification_expiry_goes_to_the_holder_and_the_admins(company):
    partner, people = company
    holder = people["sellers"][0]
    CertificationFactory(user=holder, issued_on=dt.date(2024, 8, 1), expires_on=dt.date(2026, 8, 1))
    assert certification_send_expiry_reminders(today=dt.date(2026, 6, 2)) == 1
    assert _recipients("certification.expiring") == _pks(holder, *people["admins"])


def test_agreement_renewal_goes_to_the_channel_manager_and_partner_admins(company, time_machine):
    partner, people = company
    agreement_in("active", partner=partner, end_date=dt.date(2026, 12, 31))
    time_machine.move_to("2026-10-02T04:00:00Z")
    assert partner_services.agreement_send_reminders() == 1
    assert _recipients("partner.agreement_renewal") == _pks(
        partner.channel_manager, *people["admins"]
    )
