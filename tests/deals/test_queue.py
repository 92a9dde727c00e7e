"""The approval queue (DESIGN §4.3, §4.4, §8.1): SLA-due order, flag counts, search, sorting, and
bulk decisions that run each registration through its own service, rules and audit row."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from core.bulk import BULK_MAX_ROWS
from core.models import AuditEvent
from deals import services
from deals.choices import DealStatus
from deals.models import Deal
from tests.conftest import login
from tests.factories import PartnerFactory, PartnerUserFactory, staff

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

BULK = reverse("deals:queue_bulk")
QUEUE = reverse("deals:queue")


def submitted(**kwargs) -> Deal:
    deal = DealFactory(**kwargs)
    return services.deal_submit(deal=deal, actor=deal.registered_by)


@pytest.fixture
def manager():
    return staff(Role.CHANNEL_MANAGER)


@pytest.fixture
def partner(manager):
    return PartnerFactory(channel_manager=manager, regions=["CN-SH"])


def audit_rows(action: str, deals) -> int:
    return AuditEvent.objects.filter(
        action=action, object_id__in=[str(d.pk) for d in deals]
    ).count()


# --- bulk decisions ----------------------------------------------------------------------------


def test_bulk_approve_reports_each_row_and_writes_one_audit_row_each(client, manager, partner):
    # given three ordinary registrations and a cross-region one, which needs a director
    plain = [submitted(partner=partner, customer_name=f"Plain {i} Ltd") for i in range(3)]
    cross = submitted(partner=partner, customer_name="Far Away Ltd", customer_region="CN-GD")
    assert cross.cross_region

    # when a (non-director) channel manager bulk-approves all four
    response = login(client, manager).post(
        BULK, {"ids": [d.pk for d in [*plain, cross]], "decision": "approve", "reason": "ok"}
    )

    # then the three are approved, each with its own audit row, and the fourth says why not
    assert response.status_code == 200
    for deal in plain:
        deal.refresh_from_db()
        assert deal.status == DealStatus.APPROVED
        assert f'data-bulk-outcome="{deal.pk}" data-ok="1"' in response.text
    assert audit_rows("deal.approved", plain) == 3
    cross.refresh_from_db()
    assert cross.status == DealStatus.SUBMITTED
    assert audit_rows("deal.approved", [cross]) == 0
    assert f'data-bulk-outcome="{cross.pk}" data-ok="0"' in response.text
    assert "Needs a channel director: cross-region." in response.text
    assert "3 done, 1 not done" in response.text


def test_bulk_reject_in_chinese_reports_refusals_translated(client, manager, partner):
    # given one pending registration and one already approved
    pending = submitted(partner=partner)
    done = submitted(partner=partner, customer_name="Done Ltd")
    services.deal_approve(deal=done, actor=manager)

    # when the manager, who reads Chinese, bulk-rejects both
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])
    login(client, manager)
    response = client.post(
        BULK, {"ids": [pending.pk, done.pk], "decision": "reject", "reason": "重复登记"}
    )

    # then the pending one is rejected and the approved one's refusal is in Chinese
    pending.refresh_from_db()
    assert pending.status == DealStatus.REJECTED and pending.decision_reason == "重复登记"
    assert audit_rows("deal.rejected", [pending]) == 1
    assert f'data-bulk-outcome="{done.pk}" data-ok="0"' in response.text
    assert "该报备状态为已批准，不允许此操作。" in response.text


def test_bulk_decision_never_touches_rows_the_user_may_not_decide(client, manager, partner):
    # given a registration of a partner the manager does not own
    foreign = submitted(partner=PartnerFactory(), customer_name="Not Mine Ltd")
    mine = submitted(partner=partner)

    # when the manager puts its id in the selection
    response = login(client, manager).post(
        BULK, {"ids": [foreign.pk, mine.pk], "decision": "approve"}
    )

    # then it is reported not found, names nothing of it, and stays as it was
    foreign.refresh_from_db()
    assert foreign.status == DealStatus.SUBMITTED
    assert f'data-bulk-outcome="{foreign.pk}" data-ok="0"' in response.text
    assert "Not found." in response.text
    assert foreign.project_name not in response.text
    mine.refresh_from_db()
    assert mine.status == DealStatus.APPROVED


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.PARTNER_SALES])
def test_partner_user_cannot_bulk_decide(client, partner, role):
    deal = submitted(partner=partner)
    user = PartnerUserFactory(partner=PartnerFactory(), role=role)

    response = login(client, user).post(BULK, {"ids": [deal.pk], "decision": "approve"})

    assert response.status_code in (403, 404)
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "approve"}, "ids", "Select at least one row."),
        ({"ids": ["x"], "decision": "approve"}, "ids", "The selection is not valid."),
        ({"ids": ["1"], "decision": "bless"}, "decision", "Select a valid choice."),
        ({"ids": ["1"], "decision": "reject", "reason": "  "}, "reason", "Give the reason"),
        (
            {"ids": ["1", *(str(10**6 + i) for i in range(BULK_MAX_ROWS))], "decision": "approve"},
            "ids",
            f"Select at most {BULK_MAX_ROWS} rows at a time.",
        ),
    ],
    ids=["no-ids", "bad-id", "unknown-decision", "reject-without-reason", "over-the-cap"],
)
def test_bad_bulk_input_answers_on_the_field_and_changes_nothing(
    client, manager, partner, data, field, message
):
    deal = submitted(partner=partner)
    data = {**data, "ids": [str(deal.pk) if i == "1" else i for i in data.get("ids", [])]}

    response = login(client, manager).post(BULK, data)

    assert response.status_code == 400
    assert f'id="error-{field}"' in response.text
    assert message in response.text
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action__in=["deal.approved", "deal.rejected"]).exists()


# --- the queue page ----------------------------------------------------------------------------


def test_queue_sorts_by_sla_due_and_counts_each_flag(client, manager, partner):
    # given registrations with different flags and due moments
    late = submitted(partner=partner, customer_name="Late Ltd", project_name="Late one")
    Deal.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - datetime.timedelta(hours=1))
    submitted(partner=partner, customer_name="Far Ltd", customer_region="CN-GD")
    product = ProductFactory()
    submitted(partner=partner, customer_name="Acme Inc.", lines=[(product, 1, 900)])
    submitted(partner=PartnerFactory(), customer_name="ACME Corp", lines=[(product, 1, 900)])
    cheap = submitted(partner=partner, customer_name="Cheap Ltd", lines=[(None, 1, 100)])
    assert cheap.below_floor

    # when the manager opens the queue
    response = login(client, manager).get(QUEUE)

    # then the breached one comes first and each flag shows its count
    text = response.text
    assert text.index("Late one") < text.index("Far Ltd")
    found = re.findall(r'data-flag="(\w+)".*?data-count>(\d+)<', text)
    counts = {flag: int(n) for flag, n in found}
    assert counts == {"all": 4, "conflicts": 0, "breached": 1, "cross_region": 1, "below_floor": 1}


def test_queue_flag_filter_and_conflict_count(client, manager, partner):
    product = ProductFactory()
    submitted(partner=PartnerFactory(), customer_name="Acme Inc.", lines=[(product, 1, 900)])
    later = submitted(partner=partner, customer_name="ACME Corp", lines=[(product, 1, 900)])
    other = submitted(partner=partner, customer_name="Quiet Ltd")
    assert later.status == DealStatus.IN_CONFLICT

    response = login(client, manager).get(QUEUE, {"flag": "conflicts"})

    assert later.project_name in response.text
    assert other.project_name not in response.text
    assert 'data-flag="conflicts" aria-current="true"' in response.text


def test_newly_submitted_registration_is_found_at_once(client, manager, partner):
    # given a long queue, due before anything new
    for i in range(60):
        submitted(partner=partner, customer_name=f"Old customer {i} Ltd")
    login(client, manager)

    # when a partner submits a new registration
    new = submitted(partner=partner, customer_name="深圳新客户电子有限公司", project_name="Fresh")

    # then searching its customer (or its partner, or newest first) finds it on page 1
    assert "Fresh" not in client.get(QUEUE).text
    assert "Fresh" in client.get(QUEUE, {"q": "新客户电子"}).text
    assert "Fresh" in client.get(QUEUE, {"q": "深圳新客户电子股份有限公司"}).text
    assert "Fresh" in client.get(QUEUE, {"sort": "-submitted"}).text
    assert "Fresh" in client.get(QUEUE, {"q": f"#{new.pk}"}).text


def test_queue_sorts_by_a_column(client, manager, partner):
    submitted(partner=partner, customer_name="Bravo Ltd", project_name="P-bravo")
    submitted(partner=partner, customer_name="Alpha Ltd", project_name="P-alpha")
    login(client, manager)

    ascending = client.get(QUEUE, {"sort": "customer"}).text
    descending = client.get(QUEUE, {"sort": "-customer"}).text

    assert ascending.index("P-alpha") < ascending.index("P-bravo")
    assert descending.index("P-bravo") < descending.index("P-alpha")


def test_queue_ignores_a_bad_sort_with_a_message(client, manager, partner):
    submitted(partner=partner)

    response = login(client, manager).get(QUEUE, {"sort": "password", "flag": "nope"})

    assert response.status_code == 200
    assert "Select a valid choice." in response.text


@pytest.mark.parametrize("query", [{}, {"q": "Customer", "flag": "breached", "sort": "partner"}])
def test_queue_query_count_does_not_grow_with_rows(
    client, manager, partner, django_assert_max_num_queries, query
):
    for i in range(30):
        submitted(partner=partner, customer_name=f"Customer {i} Ltd")
    login(client, manager)
    with django_assert_max_num_queries(11):
        response = client.get(QUEUE, query)
    assert response.status_code == 200


# --- the API -----------------------------------------------------------------------------------

API_BULK = "/api/v1/deals/bulk-decision/"


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_bulk_decision_answers_per_id(manager, partner):
    plain = submitted(partner=partner)
    cross = submitted(partner=partner, customer_name="Far Ltd", customer_region="CN-GD")
    foreign = submitted(partner=PartnerFactory())

    response = api_client(manager).post(
        API_BULK,
        {"ids": [plain.pk, cross.pk, foreign.pk], "decision": "approve"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "decision": "approve",
        "succeeded": 1,
        "failed": 2,
        "results": [
            {"id": plain.pk, "ok": True, "message": ""},
            {"id": cross.pk, "ok": False, "message": "Needs a channel director: cross-region."},
            {"id": foreign.pk, "ok": False, "message": "Not found."},
        ],
    }
    assert audit_rows("deal.approved", [plain, cross, foreign]) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ids": [], "decision": "approve"}, "ids"),
        ({"ids": [1], "decision": "bless"}, "decision"),
        ({"ids": [1], "decision": "reject"}, "reason"),
        ({"ids": list(range(1, BULK_MAX_ROWS + 2)), "decision": "approve"}, "ids"),
    ],
)
def test_api_bulk_decision_bad_input_is_a_field_error(manager, partner, data, field):
    deal = submitted(partner=partner)

    response = api_client(manager).post(API_BULK, data, format="json")

    assert response.status_code == 400
    assert field in str(response.json())
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED


def test_api_bulk_decision_refuses_partner_users(partner):
    deal = submitted(partner=partner)
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)

    response = api_client(user).post(
        API_BULK, {"ids": [deal.pk], "decision": "approve"}, format="json"
    )

    assert response.status_code in (403, 404)
    deal.refresh_from_db()
    assert deal.status == DealStatus.SUBMITTED


# --- the queue's search ------------------------------------------------------------------------


@pytest.fixture
def searchable(manager, partner):
    """Pending registrations to search among, and one decided, one of another manager's partner."""
    named = PartnerFactory(channel_manager=manager, legal_name="Northwind Traders Ltd")
    return {
        "customer": submitted(
            partner=partner, customer_name="Contoso Pharma Ltd", project_name="A"
        ),
        "project": submitted(
            partner=partner, customer_name="Plain Ltd", project_name="Fabrikam Roll"
        ),
        "partner": submitted(partner=named, customer_name="Other Ltd", project_name="B"),
        "tax_id": submitted(
            partner=partner, customer_name="Taxed Ltd", customer_tax_id="91310000AB12CD34EF"
        ),
        "chinese": submitted(
            partner=partner, customer_name="上海星辰网络科技有限公司", project_name="D"
        ),
        "decided": DealFactory(
            partner=partner, customer_name="Contoso Pharma Ltd", status=DealStatus.APPROVED
        ),
        "elsewhere": submitted(partner=PartnerFactory(), customer_name="Contoso Pharma Ltd"),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contoso", {"customer"}),
        ("CONTOSO pharma", {"customer"}),
        ("fabrikam", {"project"}),
        ("northwind trad", {"partner"}),
        ("91310000ab12cd34ef", {"tax_id"}),
        ("上海星辰", {"chinese"}),
        ("星辰网络", {"chinese"}),
        ("上海", {"chinese"}),  # two characters: no trigram, looked up by bigram
        ("pH", {"customer"}),
        ("AB", {"project"}),
        ("星辰科技", {"chinese"}),  # its fingerprint is two characters: 星辰
        ("q", set()),  # one character: filtered in place
        ("ｃｏｎｔｏｓｏ　Ｐｈａｒｍａ有限公司", {"customer"}),  # another spelling: the fingerprint
        ("nothing like it", set()),
    ],
)
def test_queue_search_finds_by_customer_project_partner_tax_id_and_chinese_name(
    client, manager, searchable, text, expected
):
    # given pending registrations, a decided one and one of a partner the manager does not manage
    # when the manager searches the queue
    response = login(client, manager).get(QUEUE, {"q": text})

    # then exactly the pending, managed matches are listed and counted
    listed = {key for key, deal in searchable.items() if f"/deals/{deal.pk}/" in response.text}
    assert listed == expected
    counts = dict(re.findall(r'data-flag="(\w+)".*?data-count>(\d+)<', response.text))
    assert int(counts["all"]) == len(expected)


def test_queue_search_by_number(client, manager, searchable):
    deal = searchable["project"]
    response = login(client, manager).get(QUEUE, {"q": f"#{deal.pk}"})
    assert f"/deals/{deal.pk}/" in response.text
    assert f"/deals/{searchable['customer'].pk}/" not in response.text


@pytest.mark.parametrize(
    ("text", "indexed"),
    [
        ("contoso", True),
        ("上海星辰", True),
        ("91310000AB12CD34EF", True),
        ("上海", True),  # no trigram in two characters, but a bigram
        ("星辰科技", True),  # its fingerprint is 星辰: a bigram
        ("ab cd", False),  # neither a trigram nor one bigram
        ("x", False),
    ],
)
def test_queue_search_gathers_matches_first_only_when_indexes_answer(text, indexed):
    from deals.filtersets import queue_search_indexed

    assert queue_search_indexed(text) is indexed


def test_queue_search_pages_and_sorts_its_matches_like_the_whole_queue(client, manager, partner):
    # given more matches than a page, due at different moments
    for i in range(55):
        deal = submitted(partner=partner, customer_name=f"Contoso branch {i:02d} Ltd")
        due = timezone.now() + datetime.timedelta(hours=i)
        Deal.objects.filter(pk=deal.pk).update(sla_due_at=due)
    submitted(partner=partner, customer_name="Unrelated Ltd")
    login(client, manager)

    # when the manager searches, by SLA due (the default) and by customer descending
    first = client.get(QUEUE, {"q": "contoso branch"}).text
    second = client.get(QUEUE, {"q": "contoso branch", "page": 2}).text
    by_customer = client.get(QUEUE, {"q": "contoso branch", "sort": "-customer"}).text

    # then the pages follow the order, split at the page size, and the count is exact
    assert "Contoso branch 00 Ltd" in first and "Contoso branch 49 Ltd" in first
    assert "Contoso branch 50 Ltd" not in first and "Contoso branch 54 Ltd" in second
    assert by_customer.index("Contoso branch 54") < by_customer.index("Contoso branch 53")
    assert "Unrelated Ltd" not in first + second
    counts = dict(re.findall(r'data-flag="(\w+)".*?data-count>(\d+)<', first))
    assert counts["all"] == "55"


@pytest.mark.parametrize("gather_max", [100, 2])
def test_a_search_most_of_the_queue_matches_is_filtered_in_place_with_the_same_answer(
    client, manager, partner, monkeypatch, gather_max
):
    # given three pending registrations with a common word and one without; a gathering limit
    # above them (their ids gathered once) and one below them (the queue filtered in place)
    import deals.filtersets

    monkeypatch.setattr(deals.filtersets, "QUEUE_SEARCH_GATHER_MAX", gather_max)
    common = [
        submitted(partner=partner, customer_name=f"华东{city}科技有限公司")
        for city in ("上海", "杭州", "南京")
    ]
    other = submitted(partner=partner, customer_name="Plain Ltd")
    Deal.objects.filter(pk=common[0].pk).update(status=DealStatus.IN_CONFLICT)

    # when the manager searches for the common word, and for it among the conflicts
    response = login(client, manager).get(QUEUE, {"q": "有限"})
    conflicts = client.get(QUEUE, {"q": "有限", "flag": "conflicts"})

    # then either way the same rows are listed and counted, per tab too
    assert all(f"/deals/{deal.pk}/" in response.text for deal in common)
    assert f"/deals/{other.pk}/" not in response.text
    counts = dict(re.findall(r'data-flag="(\w+)".*?data-count>(\d+)<', response.text))
    assert counts["all"] == "3" and counts["conflicts"] == "1"
    assert f"/deals/{common[0].pk}/" in conflicts.text
    assert f"/deals/{common[1].pk}/" not in conflicts.text
