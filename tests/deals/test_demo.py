import pytest
from django.db import connection

from accounts.choices import Role
from accounts.demo import seed as seed_accounts
from deals import demo
from deals.choices import OPEN_STATUSES, DealStatus, LeadStatus
from deals.models import Deal, Lead, Product
from partners.demo import seed as seed_partners
from partners.models import PartnerExit
from tests.factories import staff, tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    tier("gold")  # the default tiers
    seed_accounts()
    seed_partners()
    staff(Role.CHANNEL_MANAGER)
    demo.seed()


def test_seed_is_idempotent(seeded):
    deals, leads = Deal.objects.count(), Lead.objects.count()
    demo.seed()
    assert Product.objects.count() == len(demo.PRODUCTS)
    assert (Deal.objects.count(), Lead.objects.count()) == (deals, leads)
    # and the partner in exit holds its few open registrations, to be handed over
    assert deals == demo.N_DEALS + len(demo.LEAVING_CUSTOMERS)


def test_demo_covers_every_state_with_chinese_and_english_customers(seeded):
    states = set(Deal.objects.values_list("status", flat=True))
    assert states == set(DealStatus.values)
    names = list(Deal.objects.values_list("customer_name", flat=True))
    assert any(name.isascii() for name in names)
    assert any("有限公司" in name for name in names)
    assert Deal.objects.filter(status=DealStatus.WON, lines__final=True).exists()
    assert {LeadStatus.EXCLUSIVE, LeadStatus.OPEN} <= set(
        Lead.objects.values_list("status", flat=True)
    )


def test_demo_conflicts_really_match_the_earlier_registration(seeded):
    """Every near-duplicate in conflict meets the §4.2 rule against the deal it names."""
    conflicts = Deal.objects.filter(status=DealStatus.IN_CONFLICT)
    assert conflicts.count() >= 100
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM deals_deal d JOIN deals_deal e ON e.id = d.conflict_with_id
            WHERE d.status = 'in_conflict' AND (
                d.partner_id = e.partner_id
                OR e.submitted_at >= d.submitted_at
                OR NOT (
                    (d.customer_tax_id <> '' AND d.customer_tax_id = e.customer_tax_id)
                    OR similarity(d.customer_fingerprint, e.customer_fingerprint) >= 0.8
                )
                OR NOT EXISTS (
                    SELECT 1 FROM deals_dealline a JOIN deals_product pa ON pa.id = a.product_id
                    JOIN deals_dealline b ON b.deal_id = e.id
                    JOIN deals_product pb ON pb.id = b.product_id
                    WHERE a.deal_id = d.id AND pa.family_id = pb.family_id
                )
            )
            """
        )
        assert cursor.fetchone()[0] == 0


def test_the_partner_in_exit_has_open_registrations_to_hand_over(seeded):
    # given the demo's partner in exit
    partner_exit = PartnerExit.objects.unrestricted("test").get(status="open")
    # then it holds only the registrations it had before, all open, and none newer
    deals = Deal.objects.filter(partner=partner_exit.partner)
    assert sorted(deals.values_list("customer_name", flat=True)) == sorted(demo.LEAVING_CUSTOMERS)
    assert set(deals.values_list("status", flat=True)) <= set(OPEN_STATUSES)
