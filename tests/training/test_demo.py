import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from partners import demo as partners_demo
from partners.models import Partner
from tests.factories import tier
from training import demo
from training.choices import Level, Track
from training.models import Certification, Course
from training.selectors import certified_staff_counts

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_matches_tiers():
    tier("silver")
    accounts_demo.seed()
    partners_demo.seed()
    demo.seed()
    demo.seed()
    assert Course.objects.count() >= 6
    assert {c.track for c in Course.objects.all()} == set(Track.values)
    assert {c.level for c in Course.objects.all()} == set(Level.values)
    assert all(c.exam.questions.count() >= 5 for c in Course.objects.all())
    today = timezone.localdate()
    expected = {"huadong": (10, 3), "zhilian": (5, 1), "northwind": (2, 0)}
    for domain, (total, senior) in expected.items():
        partner = Partner.objects.get(users__email=f"admin@{domain}.demo")
        counts = certified_staff_counts(partner=partner, as_of=today)
        assert counts["total"] >= total and counts["senior"] >= senior, domain
        assert partner.tier.min_certified_staff <= counts["total"]
    assert Certification.objects.count() == 18
