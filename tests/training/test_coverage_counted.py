"""The coverage list's "below the requirement" reads each partner's counted certified staff
(`PartnerCoverage`, DESIGN §3, §10) and stays right when certifications, tiers or the day change:
a write of a certification drops its partner's count (a trigger), a count holds only until the
next day one of the partner's certifications starts, ends or is detached, and requirements are
compared live."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.choices import Role
from partners.models import Partner
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier
from training.choices import Level
from training.models import Certification, PartnerCoverage
from training.selectors import coverage_below_tier, coverage_report
from training.services import partner_coverage_refresh

from .factories import CertificationFactory, CourseFactory

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture
def manager():
    return staff(Role.CHANNEL_MANAGER)


@pytest.fixture
def silver():
    """Silver asks for 2 certified staff, no senior one."""
    silver = tier("silver")
    silver.min_certified_staff, silver.min_senior_certified_staff = 2, 0
    silver.save()
    return silver


def certify(partner, *, issued_on=TODAY, expires_on=None, level=Level.MID):
    return CertificationFactory(
        user=PartnerUserFactory(partner=partner),
        course=CourseFactory(level=level),
        issued_on=issued_on,
        expires_on=expires_on or issued_on + timedelta(days=730),
    )


def below(user, as_of=None) -> set[str]:
    rows = (
        coverage_report(user=user, as_of=as_of)
        .alias(below_tier=coverage_below_tier(as_of))
        .filter(below_tier=True)
    )
    return set(rows.values_list("legal_name", flat=True))


def page_below(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("training:coverage_report"), {"below": "true"})
    return [p.legal_name for p in response.context["page"].object_list]


def test_counted_rows_give_the_same_partners_as_counting_live(manager, silver):
    # given partners meeting, missing and without certifications
    ok = PartnerFactory(legal_name="Ok", tier=silver)
    short = PartnerFactory(legal_name="Short", tier=silver)
    PartnerFactory(legal_name="None", tier=silver)
    certify(ok), certify(ok), certify(short)
    live = below(manager)
    # when every partner is counted ahead
    counted = partner_coverage_refresh(today=TODAY)
    # then the rows hold and the list answers the same
    assert counted == Partner.objects.count()
    assert PartnerCoverage.objects.get(partner=ok).certified == 2
    assert below(manager) == live == {"Short", "None"}
    assert partner_coverage_refresh(today=TODAY) == 0


def test_a_new_certification_lifts_its_partner_at_once(client, manager, silver):
    # given a partner one certification short, counted
    short = PartnerFactory(legal_name="Short", tier=silver)
    certify(short)
    partner_coverage_refresh(today=TODAY)
    assert page_below(client, manager) == ["Short"]
    # when a second person is certified
    certify(short)
    # then its count is dropped and the list no longer shows it, before any refresh
    assert not PartnerCoverage.objects.filter(partner=short).exists()
    assert page_below(client, manager) == []
    assert partner_coverage_refresh(today=TODAY) == 1
    assert page_below(client, manager) == []


def test_certifications_detached_by_a_bulk_update_drop_the_count(manager, silver):
    # given a partner meeting its requirement, counted
    leaving = PartnerFactory(legal_name="Leaving", tier=silver)
    certify(leaving), certify(leaving)
    partner_coverage_refresh(today=TODAY)
    assert below(manager) == set()
    # when its certifications are detached today, in one UPDATE
    Certification.objects.filter(partner=leaving).update(detached_on=TODAY)
    # then it is below its requirement at once
    assert below(manager) == {"Leaving"}


def test_a_certification_moved_to_another_partner_drops_both_counts(manager, silver):
    # given two partners with two certified staff each, counted
    first = PartnerFactory(legal_name="First", tier=silver)
    second = PartnerFactory(legal_name="Second", tier=silver)
    moved = certify(first)
    certify(first), certify(second), certify(second)
    partner_coverage_refresh(today=TODAY)
    # when one certification moves
    Certification.objects.filter(pk=moved.pk).update(partner=second)
    # then both are counted live: the first is now short
    assert not PartnerCoverage.objects.filter(partner__in=[first, second]).exists()
    assert below(manager) == {"First"}


def test_tier_and_requirement_changes_apply_without_a_refresh(manager, silver):
    # given a partner with one certified senior person, counted, on Silver (2 needed)
    partner = PartnerFactory(legal_name="Partner", tier=silver)
    certify(partner, level=Level.SENIOR)
    partner_coverage_refresh(today=TODAY)
    assert below(manager) == {"Partner"}
    # when Silver asks for one certified person only
    silver.min_certified_staff = 1
    silver.save()
    # then it meets it
    assert below(manager) == set()
    # and when the partner moves to Gold, asking for more than it has, it is below again
    gold = tier("gold")
    assert gold.min_certified_staff > 1 or gold.min_senior_certified_staff > 1
    Partner.objects.filter(pk=partner.pk).update(tier=gold)
    assert below(manager) == {"Partner"}


def test_a_count_holds_only_until_a_certification_starts_or_ends(manager, silver):
    # given a partner with two certified staff, one certification ending in ten days and one
    # more person certified from the twentieth day
    partner = PartnerFactory(legal_name="Partner", tier=silver)
    certify(partner)
    certify(partner, issued_on=TODAY - timedelta(days=700), expires_on=TODAY + timedelta(days=10))
    certify(partner, issued_on=TODAY + timedelta(days=20))
    partner_coverage_refresh(today=TODAY)
    row = PartnerCoverage.objects.get(partner=partner)
    assert (row.certified, row.valid_until) == (2, TODAY + timedelta(days=10))
    # when the list is read on later days, the count is not used past its day
    assert below(manager, as_of=TODAY + timedelta(days=9)) == set()
    assert below(manager, as_of=TODAY + timedelta(days=10)) == {"Partner"}
    assert below(manager, as_of=TODAY + timedelta(days=20)) == set()
    # (yesterday one of today's two was not issued yet: today's count of 2 is not read)
    assert below(manager, as_of=TODAY - timedelta(days=1)) == {"Partner"}
    # and a refresh on the tenth day counts it again, until the twentieth
    assert partner_coverage_refresh(today=TODAY + timedelta(days=10)) >= 1
    row.refresh_from_db()
    assert (row.certified, row.valid_until) == (1, TODAY + timedelta(days=20))


def test_a_stale_count_is_never_read(manager, silver):
    # given a count written wrong by hand (as if left over)
    partner = PartnerFactory(legal_name="Partner", tier=silver)
    certify(partner), certify(partner)
    PartnerCoverage.objects.create(
        partner=partner,
        certified=0,
        senior_certified=0,
        counted_on=TODAY - timedelta(days=3),
        valid_until=TODAY,
    )
    # then it is not used: it no longer holds today
    assert below(manager) == set()
    # and the refresh replaces it
    assert partner_coverage_refresh(today=TODAY) >= 1
    assert PartnerCoverage.objects.get(partner=partner).certified == 2
