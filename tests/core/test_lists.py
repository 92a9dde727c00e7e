"""The list framework's building blocks: names that find codes, the capped count."""

import pytest

from core.filters import codes_matching
from core.lists import capped_count
from deals.models import Deal
from partners.regions import REGIONS
from tests.deals.factories import DealFactory


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("CN-SH", ["CN-SH"]),
        ("cn-sh", ["CN-SH"]),
        ("Shanghai", ["CN-SH"]),
        ("上海", ["CN-SH"]),
        ("hong kong", ["HK"]),
        ("香港", ["HK"]),
        ("", []),
        ("Atlantis", []),
    ],
)
def test_codes_matching_code_or_name_in_both_languages(typed, codes):
    assert codes_matching(REGIONS, typed) == codes


@pytest.mark.django_db
def test_capped_count_stops_after_the_cap():
    for _ in range(4):
        DealFactory()
    rows = Deal.objects.unrestricted("test")
    assert capped_count(rows, cap=2) == 3
    assert capped_count(rows, cap=10) == 4
