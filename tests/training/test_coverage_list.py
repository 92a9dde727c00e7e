"""Certification coverage by partner on the list framework (DESIGN §3, §8.1): filters, sort,
page size, saved views and an export of exactly the filtered rows; staff only."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.choices import Role
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier
from training.choices import Level

from .factories import CertificationFactory, CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners():
    """A Silver partner meeting its requirement (2 certified) and one below it (1), in two
    regions; Silver asks for 2 certified staff."""
    senior = CourseFactory(level=Level.SENIOR)
    ok = PartnerFactory(legal_name="Alpha Networks", tier=tier("silver"), regions=["CN-SH"])
    short = PartnerFactory(legal_name="Beta Systems", tier=tier("silver"), regions=["CN-BJ"])
    for _ in range(2):
        CertificationFactory(user=PartnerUserFactory(partner=ok), course=senior)
    CertificationFactory(user=PartnerUserFactory(partner=short), course=senior)
    return {"ok": ok, "short": short}


def names(response) -> list[str]:
    return [p.legal_name for p in response.context["page"].object_list]


def test_staff_filter_and_sort_the_coverage(client, partners):
    client.force_login(staff(Role.CHANNEL_MANAGER))
    url = reverse("training:coverage_report")
    assert names(client.get(url)) == ["Alpha Networks", "Beta Systems"]
    assert names(client.get(url, {"below": "true"})) == ["Beta Systems"]
    assert names(client.get(url, {"below": "false"})) == ["Alpha Networks"]
    assert names(client.get(url, {"region": "北京"})) == ["Beta Systems"]
    assert names(client.get(url, {"q": "alpha"})) == ["Alpha Networks"]
    assert names(client.get(url, {"sort": "certified"})) == ["Beta Systems", "Alpha Networks"]
    response = client.get(url, {"sort": "-certified", "size": "25"})
    assert names(response) == ["Alpha Networks", "Beta Systems"]
    assert 'aria-sort="descending"' in response.text
    assert 'class="menu saved-views"' in response.text
    assert "1 / 2" in response.text and "Below" in response.text


def test_bad_filters_are_field_messages(client, partners):
    client.force_login(staff(Role.CHANNEL_MANAGER))
    response = client.get(reverse("training:coverage_report"), {"tier": "platinum-x"})
    assert response.status_code == 200
    assert "tier" in response.context["listing"].filterset.form.errors


def test_the_export_holds_the_filtered_rows(client, partners):
    client.force_login(staff(Role.CHANNEL_MANAGER))
    response = client.get(reverse("training:coverage_report"), {"export": "csv", "below": "true"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0][0] == "Partner"
    assert [(row[0], row[2], row[3]) for row in rows[1:]] == [("Beta Systems", "1", "2")]


def test_partner_users_get_neither_the_page_nor_the_export(client, partners):
    client.force_login(PartnerUserFactory(partner=partners["ok"], role=Role.PARTNER_ADMIN))
    assert client.get(reverse("training:coverage_report")).status_code == 403
    export = client.get(reverse("core:export", args=["coverage"]), {"format": "csv"})
    assert export.status_code == 403
