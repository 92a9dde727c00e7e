"""Only partner admins and partner sales register deals (DESIGN §1), whichever door is used."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from accounts.choices import Role
from deals import services
from deals.choices import DealStatus
from tests.factories import PartnerUserFactory, staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def draft_data() -> dict:
    return {
        "customer_name": "Registrant Rule Ltd",
        "customer_region": "CN-SH",
        "project_name": "P",
        "currency": "CNY",
        "expected_close_date": datetime.date.today() + datetime.timedelta(days=60),
    }


def lines() -> list[dict]:
    return [{"product": ProductFactory(), "quantity": 1, "unit_price": 900}]


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_SALES])
def test_partner_admin_and_sales_create_drafts(partner, role):
    # given a registrant of the partner
    user = PartnerUserFactory(partner=partner, role=role)

    # when they save a new draft
    deal = services.deal_draft_save(actor=user, data=draft_data(), lines=lines())

    # then it is their company's draft
    assert deal.partner_id == partner.pk and deal.status == DealStatus.DRAFT


def test_partner_finance_creates_no_draft(partner):
    # given a partner finance user
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)

    # when / then saving a new draft is refused
    with pytest.raises(PermissionDenied):
        services.deal_draft_save(actor=user, data=draft_data(), lines=lines())


@pytest.mark.parametrize("role", [Role.CHANNEL_MANAGER, Role.ADMIN])
def test_vendor_staff_edit_no_partner_draft(partner, role):
    # given a partner's draft and a member of the vendor staff, its channel manager included
    deal = DealFactory(partner=partner)
    actor = staff(role)
    partner.channel_manager = actor if role == Role.CHANNEL_MANAGER else None
    partner.save()

    # when / then editing it is refused and the draft is unchanged
    with pytest.raises(PermissionDenied):
        services.deal_draft_save(
            actor=actor, data={"project_name": "Changed"}, lines=lines(), deal=deal
        )
    deal.refresh_from_db()
    assert deal.project_name != "Changed"


def test_another_company_edits_no_draft(partner, other_partner_user):
    # given a partner's draft and the sales user of another company
    deal = DealFactory(partner=partner)

    # when / then editing it is refused
    with pytest.raises(PermissionDenied):
        services.deal_draft_save(
            actor=other_partner_user, data={"project_name": "Changed"}, lines=lines(), deal=deal
        )


def test_partner_finance_submits_no_draft(partner):
    # given a draft and a partner finance user of the same company
    deal = DealFactory(partner=partner)
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE)

    # when / then submitting it is refused and it stays a draft
    with pytest.raises(PermissionDenied):
        services.deal_submit(deal=deal, actor=user)
    deal.refresh_from_db()
    assert deal.status == DealStatus.DRAFT
