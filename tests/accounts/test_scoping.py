"""The scoping mechanism: partner users reach only their company; managers manage only theirs."""

import pytest
from guardian.shortcuts import assign_perm

from accounts.choices import Role
from accounts.scoping import can_manage_partner
from core.models import AuditEvent
from deals.models import Deal
from partners.choices import PartnerType
from partners.models import Partner

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_partner_user_sees_only_own_company(partner_user, other_partner):
    # given a partner user and another company
    # when listing partners through the scoped manager
    visible = list(Partner.objects.visible_to(partner_user))
    # then only their own company is there
    assert visible == [partner_user.partner]


def test_distributor_sees_its_dealers_read_only():
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    PartnerFactory()
    user = PartnerUserFactory(partner=distributor)

    assert set(Partner.objects.visible_to(user)) == {distributor, dealer}
    assert list(Partner.objects.manageable_by(user)) == [distributor]


def test_dealer_does_not_see_its_distributor():
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    user = PartnerUserFactory(partner=dealer)

    assert list(Partner.objects.visible_to(user)) == [dealer]


def test_channel_manager_sees_all_but_manages_only_owned_or_granted():
    manager = UserFactory(role=Role.CHANNEL_MANAGER)
    owned = PartnerFactory(channel_manager=manager)
    granted = PartnerFactory()
    other = PartnerFactory()
    assign_perm("partners.manage_partner", manager, granted)

    assert {owned, granted, other} <= set(Partner.objects.visible_to(manager))
    assert set(Partner.objects.manageable_by(manager)) == {owned, granted}
    assert can_manage_partner(manager, granted)
    assert not can_manage_partner(manager, other)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CHANNEL_DIRECTOR])
def test_admin_and_director_manage_every_partner(role):
    user = UserFactory(role=role)
    partners = {PartnerFactory(), PartnerFactory()}
    assert partners <= set(Partner.objects.manageable_by(user))


def test_vendor_only_data_is_invisible_to_partner_users(partner_user):
    from accounts.scoping import scope_queryset

    AuditEvent.objects.create(action="x", actor_repr="system")
    assert not scope_queryset(AuditEvent.objects.all(), partner_user).exists()


def test_inactive_user_sees_nothing(partner_user):
    partner_user.is_active = False
    assert not Partner.objects.visible_to(partner_user).exists()


def test_partner_role_requires_a_company_in_the_database():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        UserFactory(role=Role.PARTNER_SALES, partner=None)


def test_staff_role_cannot_belong_to_a_company(partner):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        UserFactory(role=Role.FINANCE, partner=partner)


def test_a_distributor_reads_its_dealers_deals_through_an_array_of_their_ids():
    # given a distributor with a dealer, and a partner outside it, each with a registration
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    outsider = PartnerFactory()
    own, dealers, other = (DealFactory(partner=p) for p in (distributor, dealer, outsider))
    user = PartnerUserFactory(partner=distributor)
    # when its visible registrations are read, filtered to nothing of its own
    visible = Deal.objects.visible_to(user)
    # then it reads its own and its dealer's, not the outsider's
    assert set(visible) == {own, dealers}
    assert not visible.filter(pk=other.pk).exists()
    # and the ids come as an array (`= ANY`), which the planner looks up by partner, not as
    # `IN (subquery)`, from which it may walk every registration in the list's order
    sql = str(visible.filter(status="approved").query)
    assert "= ANY(" in sql
    assert '"partner_id" IN (SELECT' not in sql
