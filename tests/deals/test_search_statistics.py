"""The deal search's planner statistics (deals 0026): the upper-cased names its trigram indexes
hold keep 1,000 histogram entries, so a rare name is read from the index and a common one by
walking the list's order (DESIGN §10)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("index", ["deal_customer_name_trgm", "deal_project_name_trgm"])
def test_the_searched_names_keep_fine_statistics(index):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = %s AND a.attnum = 1",
            [index],
        )
        assert cursor.fetchone() == (1000,)
