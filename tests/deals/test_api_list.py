"""GET /api/v1/deals/: each row of the list is the deal as its detail shows it, for every reader.

The list reads its rows through a plan of the serializer's fields (core.api.representation), the
detail through DRF's own machinery: whatever the deal (lines or none, masked contact, a dealer's
deal read by its distributor, a conflict, a held price check, an MDF activity) and whoever reads
it, in either language, both give the same JSON, key for key and in the same order.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.choices import Role
from deals.api.serializers import DealSerializer
from deals.choices import DealStatus
from deals.models import Deal
from funds import services as fund_services
from funds.defaults import ensure_default_matrix
from funds.models import ActivityDeal, ApprovalRule
from partners.choices import PartnerType
from tests.factories import PartnerFactory, PartnerUserFactory, staff
from tests.funds.factories import allocation, submit

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

CONTACT = {
    "customer_contact_name": "张三丰",
    "customer_contact_phone": "138 1234 5678",
    "customer_contact_email": "zhang@example.cn",
    "customer_address": "上海市浦东新区世纪大道100号",
}


@pytest.fixture
def world():
    """A distributor and its dealer, an unrelated reseller, the staff readers, and deals of every
    shape the list shows."""
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    reseller = PartnerFactory()
    users = {
        "admin": staff(Role.ADMIN),
        "manager": staff(Role.CHANNEL_MANAGER, language="zh-hans"),
        "finance": staff(Role.FINANCE),
        "dealer_admin": PartnerUserFactory(partner=dealer, role=Role.PARTNER_ADMIN),
        "registrant": PartnerUserFactory(partner=dealer, role=Role.PARTNER_SALES),
        "colleague": PartnerUserFactory(partner=dealer, role=Role.PARTNER_SALES),
        "distributor": PartnerUserFactory(partner=distributor, role=Role.PARTNER_ADMIN),
        "reseller": PartnerUserFactory(
            partner=reseller, role=Role.PARTNER_ADMIN, language="zh-hans"
        ),
    }
    registrant = users["registrant"]
    both_names = ProductFactory(name="Core switch", name_zh="核心交换机")
    chinese_only = ProductFactory(name="", name_zh="无线接入点")
    plain = ProductFactory()
    now = timezone.now()
    deals = [
        DealFactory(
            partner=dealer,
            registered_by=registrant,
            lines=[(both_names, 3, Decimal("1200.50")), (chinese_only, 1, Decimal("99.99"))],
            **CONTACT,
        ),
        DealFactory(partner=dealer, registered_by=registrant, customer_tax_id="91310000X"),
        DealFactory(
            partner=dealer,
            registered_by=users["colleague"],
            notes='多行\n备注 "quoted"',
            competitors="Acme",
            customer_contact_phone="12",
            customer_contact_email="not-an-email",
        ),
        DealFactory(partner=distributor, registered_by=users["distributor"], **CONTACT),
        DealFactory(partner=reseller, lines=[(plain, 5, Decimal("0.00"))], **CONTACT),
        DealFactory(partner=reseller, currency="USD", industry=""),
    ]
    # A deal without lines.
    deals[1].lines.all().delete()
    # Approved, then won: dates, a reason, an order.
    Deal.objects.filter(pk=deals[0].pk).update(
        status=DealStatus.WON,
        submitted_at=now - datetime.timedelta(days=30, microseconds=123),
        decided_at=now - datetime.timedelta(days=29),
        decision_reason="Fits the region.",
        protection_ends_at=now + datetime.timedelta(days=60),
        order_number="PO-7",
        closed_on=datetime.date(2026, 11, 30),
        cross_region=True,
        below_floor=True,
    )
    deals[0].lines.filter(product=both_names).update(floor_price=Decimal("1000"))
    # In conflict with another company's registration.
    Deal.objects.filter(pk=deals[2].pk).update(
        status=DealStatus.IN_CONFLICT, conflict_with=deals[4], submitted_at=now
    )
    # A held price check: a line without a floor price and no price list.
    Deal.objects.filter(pk=deals[4].pk).update(
        status=DealStatus.SUBMITTED, submitted_at=now, price_check_held=True
    )
    # From an MDF activity (the approval matrix is flushed by transactional tests: put it back).
    ensure_default_matrix(ApprovalRule)
    allocation(reseller, "10000.00")
    request = submit(reseller, users["reseller"], "2000.00")
    approved = fund_services.fund_request_approve(
        fund_request=request, actor=staff(Role.CHANNEL_DIRECTOR)
    )
    ActivityDeal.objects.create(deal=deals[5], fund_request=approved)
    return users, deals


def _list(api_client, user, query="", language="en") -> list[dict]:
    api_client.force_authenticate(user)
    response = api_client.get(
        f"/api/v1/deals/?page_size=100{query}", headers={"accept-language": language}
    )
    assert response.status_code == 200
    return json.loads(response.content)["results"]


@pytest.mark.parametrize(
    "reader",
    [
        "admin",
        "manager",
        "finance",
        "dealer_admin",
        "registrant",
        "colleague",
        "distributor",
        "reseller",
    ],
)
def test_each_row_is_the_deal_as_its_detail_shows_it(api_client, world, reader):
    users, deals = world
    user = users[reader]
    rows = _list(api_client, user, language=user.language)
    assert rows, "every reader sees some deals"
    for row in rows:
        detail = api_client.get(
            f"/api/v1/deals/{row['id']}/", headers={"accept-language": user.language}
        )
        assert detail.status_code == 200
        expected = json.loads(detail.content)
        # The same keys in the same order, and the same values.
        assert list(row.items()) == list(expected.items())
        assert json.dumps(row, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


def test_rows_match_the_serializer_in_each_language_and_filter(api_client, world, rf):
    users, deals = world
    for user in (users["admin"], users["colleague"], users["distributor"]):
        for query in ("", "&status=won", "&sort=customer", "&page_size=2&page=2", "&q=华东"):
            rows = _list(api_client, user, query)
            for language in ("en", "zh-hans"):
                request = rf.get("/")
                request.user = user
                again = _list(api_client, user, query, language)
                with translation.override(language):
                    by_drf = [
                        DealSerializer(
                            Deal.objects.get(pk=row["id"]), context={"request": request}
                        ).data
                        for row in again
                    ]
                assert [row["id"] for row in again] == [row["id"] for row in rows]
                assert json.dumps(again) == json.dumps(by_drf)
                if language != "en" and not query:
                    assert json.dumps(again) != json.dumps(rows)  # the names and messages


def test_a_masked_row_in_full(api_client, world):
    users, deals = world
    deal = deals[0]
    deal.refresh_from_db()
    lines = list(deal.lines.order_by("pk"))
    (row,) = [row for row in _list(api_client, users["colleague"]) if row["id"] == deal.pk]
    local = timezone.localtime
    assert row == {
        "id": deal.pk,
        "partner": deal.partner_id,
        "customer_name": "上海华东信息科技有限公司",
        "customer_tax_id": "",
        "customer_region": "CN-SH",
        "customer_contact_name": "张**",
        "customer_contact_phone": "138****5678",
        "customer_contact_email": "z***@example.cn",
        "customer_address": "上海市浦东******",
        "industry": "manufacturing",
        "project_name": deal.project_name,
        "currency": "CNY",
        "expected_close_date": deal.expected_close_date.isoformat(),
        "competitors": "",
        "notes": "",
        "status": "won",
        "submitted_at": local(deal.submitted_at).isoformat(),
        "decided_at": local(deal.decided_at).isoformat(),
        "decision_reason": "Fits the region.",
        "protection_ends_at": local(deal.protection_ends_at).isoformat(),
        "cross_region": True,
        "below_floor": True,
        "price_check_held": False,
        "price_check_message": "",
        "has_conflict": False,
        "order_number": "PO-7",
        "closed_on": "2026-11-30",
        "fund_request": None,
        "lines": [
            {
                "product": lines[0].product.sku,
                "product_name": "Core switch",
                "product_name_zh": "核心交换机",
                "product_display_name": "Core switch",
                "quantity": 3,
                "unit_price": "1200.50",
                "final": False,
                "floor_price": "1000.00",
            },
            {
                "product": lines[1].product.sku,
                "product_name": "",
                "product_name_zh": "无线接入点",
                "product_display_name": "无线接入点",
                "quantity": 1,
                "unit_price": "99.99",
                "final": False,
                "floor_price": None,
            },
        ],
    }


def test_the_rows_show_what_only_some_deals_have(api_client, world):
    users, deals = world
    rows = {row["id"]: row for row in _list(api_client, users["admin"])}
    assert rows[deals[1].pk]["lines"] == []
    assert rows[deals[2].pk]["has_conflict"] is True
    assert "The floor price check is held" in rows[deals[4].pk]["price_check_message"]
    assert rows[deals[5].pk]["fund_request"] == ActivityDeal.objects.get().fund_request_id
    # The staff see the contact in full, the distributor its dealer's masked.
    assert rows[deals[0].pk]["customer_contact_phone"] == "138 1234 5678"
    theirs = {row["id"]: row for row in _list(api_client, users["distributor"])}
    assert theirs[deals[0].pk]["customer_contact_phone"] == "138****5678"
    assert theirs[deals[3].pk]["customer_contact_phone"] == "138 1234 5678"
    assert deals[4].pk not in theirs


def _many(partner, registrant, n: int, products) -> None:
    for i in range(n):
        DealFactory(
            partner=partner,
            registered_by=registrant,
            lines=[(products[(i + k) % len(products)], k + 1, Decimal("10")) for k in range(i % 4)],
            **CONTACT,
        )


@pytest.mark.parametrize("reader", ["admin", "dealer_admin", "distributor"])
def test_the_list_reads_the_same_queries_however_many_deals_and_lines(
    api_client, world, reader, django_assert_num_queries, django_assert_max_num_queries
):
    users, deals = world
    user = users[reader]
    dealer = users["dealer_admin"].partner
    products = [ProductFactory() for _ in range(5)]
    _many(dealer, users["registrant"], 3, products)
    api_client.force_authenticate(user)
    api_client.get("/api/v1/deals/?page_size=100")
    with django_assert_max_num_queries(8) as few:
        assert api_client.get("/api/v1/deals/?page_size=100").status_code == 200
    _many(dealer, users["registrant"], 40, products)
    with django_assert_num_queries(len(few)):
        response = api_client.get("/api/v1/deals/?page_size=100")
    assert len(response.json()["results"]) >= 43


@pytest.mark.parametrize("reader", ["admin", "distributor"])
def test_pages_follow_the_lists_order_without_gaps_or_repeats(api_client, world, reader):
    # The list reads a page's keys first, then its rows: the pages together are the whole list
    # in its order, as one long page shows it.
    users, _deals = world
    user = users[reader]
    whole = [row["id"] for row in _list(api_client, user)]
    assert len(whole) > 3
    paged = []
    for number in range(1, len(whole) // 2 + 2):
        response = api_client.get(f"/api/v1/deals/?page_size=2&page={number}")
        if response.status_code == 404:
            break
        paged += [row["id"] for row in json.loads(response.content)["results"]]
    assert paged == whole
