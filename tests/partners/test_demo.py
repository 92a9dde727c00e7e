"""The partners demo data: idempotent, ~50 partners over every tier, type and region, a
distributor hierarchy, agreements in every state, applications at every pipeline step."""

import pytest

from accounts import demo as accounts_demo
from accounts.models import User
from partners import demo
from partners.choices import AgreementStatus, ApplicationStatus, PartnerType, TierCode
from partners.models import Agreement, Partner, PartnerApplication
from partners.rules import is_valid_credit_code
from tests.factories import tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(time_machine):
    time_machine.move_to("2026-11-23T04:00:00Z")
    tier("silver")
    accounts_demo.seed()
    demo.seed()
    demo.seed()


def test_seed_is_idempotent_and_covers_tiers_types_and_regions(seeded):
    assert 45 <= Partner.objects.count() <= 60
    assert set(Partner.objects.values_list("tier__code", flat=True)) == set(TierCode.values)
    assert set(Partner.objects.values_list("partner_type", flat=True)) == set(PartnerType.values)
    regions = {r for rs in Partner.objects.values_list("regions", flat=True) for r in rs}
    assert len(regions) >= 20
    assert {"DE", "US", "JP", "SG", "HK"} <= regions


def test_demo_keeps_the_four_companies_and_their_logins(seeded):
    for domain in ("huadong", "zhilian", "northwind", "yunqi"):
        for role in ("admin", "sales", "finance"):
            assert User.objects.get(email=f"{role}@{domain}.demo").check_password(
                accounts_demo.DEMO_PASSWORD
            )


def test_every_chinese_tax_id_passes_the_check_digit(seeded):
    for tax_id in Partner.objects.filter(country="CN").values_list("tax_id", flat=True):
        assert is_valid_credit_code(tax_id), tax_id
    for tax_id in PartnerApplication.objects.values_list("tax_id", flat=True):
        assert is_valid_credit_code(tax_id), tax_id


def test_distributors_have_dealers_two_levels_deep(seeded):
    dealers = Partner.objects.filter(parent__isnull=False)
    assert dealers.count() >= 20
    assert not dealers.exclude(parent__partner_type=PartnerType.DISTRIBUTOR).exists()
    assert not dealers.filter(parent__parent__isnull=False).exists()


def test_agreements_in_every_state_and_some_expiring(seeded):
    assert set(Agreement.objects.values_list("status", flat=True)) == set(AgreementStatus.values)
    assert Agreement.objects.filter(version=2).exists()
    from partners.selectors import agreements_expiring_for

    admin = User.objects.get(email="admin@prm.demo")
    assert agreements_expiring_for(user=admin).exists()


def test_applications_at_every_pipeline_step(seeded):
    statuses = set(PartnerApplication.objects.values_list("status", flat=True))
    assert statuses >= set(ApplicationStatus.values) - {ApplicationStatus.ACTIVE}
