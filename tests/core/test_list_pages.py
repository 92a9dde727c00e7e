"""Every list on the framework (DESIGN §8.1): it renders for a permitted reader with each of its
sort keys, its header offers saved views, and an export job can rebuild its rows from
(user, query parameters) alone."""

import pytest
from django.http import QueryDict

from accounts.choices import PARTNER_ROLES, Role
from core.lists import _lists
from tests.factories import PartnerUserFactory, staff

pytestmark = pytest.mark.django_db

READER = {
    "deals": Role.CHANNEL_MANAGER,
    "leads": Role.CHANNEL_MANAGER,
    "partners": Role.CHANNEL_MANAGER,
    "statements": Role.FINANCE,
    "fund-requests": Role.CHANNEL_DIRECTOR,
    "agreements": Role.CHANNEL_MANAGER,
    "credit-applications": Role.FINANCE,
    "business-reports": Role.CHANNEL_MANAGER,
    "visits": Role.CHANNEL_MANAGER,
    "courses": Role.CHANNEL_MANAGER,
    "certifications": Role.CHANNEL_MANAGER,
    "audit": Role.ADMIN,
    "jobs": Role.CHANNEL_MANAGER,
    "imports": Role.FINANCE,
    "fx-rates": Role.FINANCE,
    "orders": Role.FINANCE,
    "reconciliation-runs": Role.FINANCE,
    "notifications": Role.CHANNEL_MANAGER,
    "deal-queue": Role.CHANNEL_MANAGER,
    "mdf-queue": Role.CHANNEL_DIRECTOR,
    "applications": Role.CHANNEL_MANAGER,
    "tier-proposals": Role.CHANNEL_MANAGER,
    "anomalies": Role.FINANCE,
    "mdf-ledger": Role.FINANCE,
    "price-lists": Role.FINANCE,
    "lead-offers": Role.PARTNER_SALES,  # a partner's list: the offers made to its company
    "coverage": Role.CHANNEL_MANAGER,
    "rebate-programmes": Role.FINANCE,
    # inventory flags
    "inventory-flags": Role.CHANNEL_MANAGER,
    "inventory-reports": Role.CHANNEL_MANAGER,
    # inventory stock
    "inventory-stock": Role.CHANNEL_MANAGER,
    "inventory-positions": Role.CHANNEL_MANAGER,
    "inventory-alerts": Role.CHANNEL_MANAGER,
}


def reader(key: str):
    """A user of the list's reader role: staff, or a partner user of a company of its own."""
    role = READER[key]
    return PartnerUserFactory(role=role) if role in PARTNER_ROLES else staff(role)


def test_every_registered_list_has_a_reader_here():
    assert sorted(_lists) == sorted(READER)


@pytest.mark.parametrize("key", sorted(READER))
def test_list_sorts_by_each_key_with_few_queries(client, django_assert_max_num_queries, key):
    definition = _lists[key]
    user = reader(key)
    client.force_login(user)
    for column in [c for c in definition.columns if c.sort]:
        for sort in (column.sort, f"-{column.sort}"):
            with django_assert_max_num_queries(12):
                response = client.get(f"{definition.url}?sort={sort}&size=25")
            assert response.status_code == 200, (key, sort)
            assert 'class="menu saved-views"' in response.text
            assert response.context["listing"].filterset.sort_keys() == [sort]


@pytest.mark.parametrize("key", sorted(READER))
def test_rows_rebuilt_without_a_request(key):
    definition = _lists[key]
    rows = definition.queryset_for(user=reader(key), params=QueryDict("sort=nonsense"))
    assert list(rows[:5]) is not None
    assert rows.query.order_by[-1] in ("pk", "-pk")


def test_the_audit_log_is_rebuilt_for_administrators_only():
    from core.models import AuditEvent

    AuditEvent.objects.create(action="tests.event", actor_repr="someone")
    audit = _lists["audit"]
    assert audit.queryset_for(user=staff(Role.ADMIN), params=QueryDict()).count() == 1
    assert audit.queryset_for(user=staff(Role.CHANNEL_MANAGER), params=QueryDict()).count() == 0
