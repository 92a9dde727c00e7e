"""Customer data shown to partner users (DESIGN §2.7, §9): the sensitive fields are masked to
everyone but the registrant, its partner admins and staff, at every door (page, htmx fragment,
API, export), and every partner read writes one audit row."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import Role
from core.models import AuditEvent
from deals import services
from deals.choices import DealStatus
from deals.customer_data import mask_address, mask_email, mask_person, mask_phone
from deals.models import Deal
from partners.choices import PartnerType
from tests.conftest import login
from tests.factories import PartnerFactory, PartnerUserFactory, staff, tier

from .factories import DealFactory

pytestmark = pytest.mark.django_db

CONTACT = {
    "customer_contact_name": "张三丰",
    "customer_contact_phone": "13812345678",
    "customer_contact_email": "john@example.com",
    "customer_address": "上海市浦东新区世纪大道100号",
}
MASKED = {
    "customer_contact_name": "张**",
    "customer_contact_phone": "138****5678",
    "customer_contact_email": "j***@example.com",
    "customer_address": "上海市浦东******",
}


@pytest.fixture
def company():
    """A dealer of a distributor: its registrant, a sales colleague, a finance user and an admin;
    the distributor's admin; a channel manager; and one deal of the registrant with a contact."""
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    people = {
        "registrant": PartnerUserFactory(partner=dealer, role=Role.PARTNER_SALES),
        "colleague": PartnerUserFactory(partner=dealer, role=Role.PARTNER_SALES),
        "finance": PartnerUserFactory(partner=dealer, role=Role.PARTNER_FINANCE),
        "admin": PartnerUserFactory(partner=dealer, role=Role.PARTNER_ADMIN),
        "distributor": PartnerUserFactory(partner=distributor, role=Role.PARTNER_ADMIN),
        "manager": staff(Role.CHANNEL_MANAGER),
    }
    deal = DealFactory(partner=dealer, registered_by=people["registrant"], **CONTACT)
    return {"deal": deal, "dealer": dealer, **people}


def shows_full(text: str) -> bool:
    return all(value in text for value in CONTACT.values())


def shows_masked(text: str) -> bool:
    return all(value in text for value in MASKED.values()) and not any(
        value in text for value in CONTACT.values()
    )


# --- the masks --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mask", "value", "expected"),
    [
        (mask_person, "张三丰", "张**"),
        (mask_person, "张三", "张*"),
        (mask_person, "John Smith", "J*** *****"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "138-1234-5678", "138****5678"),
        (mask_phone, "+8613812345678", "+86*******5678"),
        (mask_phone, "12345", "***45"),
        (mask_phone, "1", "***"),
        (mask_email, "john@example.com", "j***@example.com"),
        (mask_email, "j@example.com", "j***@example.com"),
        (mask_email, "not-an-address", "n*************"),
        (mask_address, "上海市浦东新区世纪大道100号", "上海市浦东******"),
        (mask_address, "1 Main St", "1 M******"),
    ],
)
def test_masks(mask, value, expected):
    assert mask(value) == expected


# --- who sees what, on the detail page --------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "full"),
    [
        ("registrant", True),
        ("admin", True),
        ("manager", True),
        ("colleague", False),
        ("finance", False),
        ("distributor", False),
    ],
)
def test_detail_page_masks_the_contact_for_all_but_registrant_admins_and_staff(
    client, company, who, full
):
    # given a deal with a customer contact; when one of these users opens it
    response = login(client, company[who]).get(reverse("deals:detail", args=[company["deal"].pk]))
    # then the contact is in full or masked
    assert response.status_code == 200
    assert shows_full(response.text) if full else shows_masked(response.text)


def test_detail_page_read_by_a_partner_user_is_audited(client, company):
    # given a colleague of the registrant; when they open the deal
    deal = company["deal"]
    login(client, company["colleague"]).get(reverse("deals:detail", args=[deal.pk]))
    # then one audit row says who read which deal through which door
    event = AuditEvent.objects.get(action="deal.viewed")
    assert event.actor == company["colleague"]
    assert event.partner_id == company["dealer"].pk
    assert event.object_id == str(deal.pk)
    assert event.changes == {"ids": [deal.pk], "count": 1, "door": "page"}


def test_staff_reads_are_not_audited(client, company):
    login(client, company["manager"]).get(reverse("deals:detail", args=[company["deal"].pk]))
    login(client, company["manager"]).get(reverse("deals:list"))
    assert not AuditEvent.objects.filter(action__in=["deal.viewed", "deal.listed"]).exists()


# --- the list page ----------------------------------------------------------------------------
def test_list_page_read_is_one_audit_row_with_ids_filters_and_page(client, company):
    # given three deals of the company
    others = [DealFactory(partner=company["dealer"]) for _ in range(2)]
    # when a partner user lists them, filtered
    login(client, company["colleague"]).get(reverse("deals:list") + "?status=draft&page=1")
    # then exactly one row holds the ids shown, the filter and the page
    event = AuditEvent.objects.get(action="deal.listed")
    assert event.actor == company["colleague"]
    assert sorted(event.changes["ids"]) == sorted([company["deal"].pk, *(d.pk for d in others)])
    assert event.changes["count"] == 3
    assert event.changes["filters"] == {"status": "draft"}
    assert event.changes["page"] == 1
    assert event.changes["door"] == "page"


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200
    return len(queries)


def test_list_page_query_count_stays_constant_with_the_audit(
    client, company, django_assert_max_num_queries
):
    # given a list page read with 3 rows, then with 30
    login(client, company["colleague"])
    page = lambda: client.get(reverse("deals:list"))  # noqa: E731
    DealFactory.create_batch(2, partner=company["dealer"], **CONTACT)
    few = count_queries(page)
    DealFactory.create_batch(27, partner=company["dealer"], **CONTACT)
    # then the audit adds no query per row
    assert few <= 12
    with django_assert_max_num_queries(few):
        assert page().status_code == 200
    assert [e.changes["count"] for e in AuditEvent.objects.filter(action="deal.listed")] == [30, 3]


def test_dashboard_list_of_protections_ending_is_audited(client, company):
    # given an approved deal whose protection ends within 14 days
    deal = company["deal"]
    Deal.objects.filter(pk=deal.pk).update(
        status=DealStatus.APPROVED, protection_ends_at=timezone.now() + datetime.timedelta(days=5)
    )
    # when a partner user opens the dashboard
    response = login(client, company["colleague"]).get(reverse("core:dashboard"))
    # then the card's read of the deal is logged
    assert deal.project_name in response.text
    event = AuditEvent.objects.get(action="deal.listed")
    assert event.changes == {"ids": [deal.pk], "count": 1, "door": "dashboard"}


# --- the API ----------------------------------------------------------------------------------
def api_deal(api_client, user, deal):
    api_client.force_authenticate(user)
    return api_client.get(f"/api/v1/deals/{deal.pk}/")


@pytest.mark.parametrize(
    ("who", "full"),
    [("registrant", True), ("admin", True), ("manager", True), ("colleague", False)],
)
def test_api_detail_masks_the_contact_for_all_but_registrant_admins_and_staff(
    api_client, company, who, full
):
    response = api_deal(api_client, company[who], company["deal"])
    assert response.status_code == 200
    expected = CONTACT if full else MASKED
    assert {k: response.data[k] for k in CONTACT} == expected


def test_api_detail_read_is_audited(api_client, company):
    api_deal(api_client, company["colleague"], company["deal"])
    event = AuditEvent.objects.get(action="deal.viewed")
    assert event.actor == company["colleague"]
    assert event.changes["door"] == "api"
    assert event.changes["ids"] == [company["deal"].pk]


@pytest.mark.parametrize(("who", "full"), [("registrant", True), ("colleague", False)])
def test_api_list_masks_the_contact_and_is_audited_once(api_client, company, who, full):
    # given a second deal registered by the colleague
    theirs = DealFactory(partner=company["dealer"], registered_by=company["colleague"], **CONTACT)
    api_client.force_authenticate(company[who])
    # when the list is read
    response = api_client.get("/api/v1/deals/?status=draft")
    # then each row is full or masked by its own registrant, and one audit row names both
    rows = {row["id"]: row for row in response.data["results"]}
    mine, other = (company["deal"], theirs) if who == "registrant" else (theirs, company["deal"])
    assert {k: rows[mine.pk][k] for k in CONTACT} == CONTACT
    assert {k: rows[other.pk][k] for k in CONTACT} == MASKED
    event = AuditEvent.objects.get(action="deal.listed")
    assert event.actor == company[who]
    assert sorted(event.changes["ids"]) == sorted([company["deal"].pk, theirs.pk])
    assert event.changes["filters"] == {"status": "draft"}
    assert event.changes["page"] == 1
    assert event.changes["door"] == "api"


def test_api_list_audit_survives_any_query_string(api_client, company):
    # given a client that sends a long value in an unknown parameter
    api_client.force_authenticate(company["colleague"])
    response = api_client.get("/api/v1/deals/?foo=bar&" + "x=" + "y" * 5000)
    # then the read answers and is logged with the parameters bounded
    assert response.status_code == 200
    filters = AuditEvent.objects.get(action="deal.listed").changes["filters"]
    assert filters["foo"] == "bar"
    assert len(filters["x"]) == 200


def test_api_list_with_a_nul_byte_is_refused_before_any_read(api_client, company):
    # given a client that sends a NUL byte in a parameter
    api_client.force_authenticate(company["colleague"])
    response = api_client.get("/api/v1/deals/?foo=%00bar")
    # then the request is refused with a field message, and nothing was read or logged
    assert response.status_code == 400
    assert "foo" in response.json()
    assert not AuditEvent.objects.filter(action="deal.listed").exists()


def test_api_list_query_count_stays_constant(api_client, company, django_assert_max_num_queries):
    api_client.force_authenticate(company["colleague"])
    page = lambda: api_client.get("/api/v1/deals/")  # noqa: E731
    DealFactory.create_batch(2, partner=company["dealer"], **CONTACT)
    few = count_queries(page)
    DealFactory.create_batch(27, partner=company["dealer"], **CONTACT)
    assert few <= 10
    with django_assert_max_num_queries(few):
        assert page().status_code == 200
    assert [e.changes["count"] for e in AuditEvent.objects.filter(action="deal.listed")] == [30, 3]


def test_api_colleague_cannot_overwrite_a_contact_they_see_masked(api_client, company):
    # given a draft of the registrant; when a colleague patches its contact phone
    deal = company["deal"]
    api_client.force_authenticate(company["colleague"])
    response = api_client.patch(
        f"/api/v1/deals/{deal.pk}/",
        {"customer_contact_phone": "13900000000", "project_name": "Renamed"},
        format="json",
    )
    # then the other fields change, the contact does not, and the answer stays masked
    assert response.status_code == 200, response.data
    deal.refresh_from_db()
    assert deal.project_name == "Renamed"
    assert deal.customer_contact_phone == CONTACT["customer_contact_phone"]
    assert response.data["customer_contact_phone"] == MASKED["customer_contact_phone"]


def test_api_registrant_writes_the_contact(api_client, company):
    deal = company["deal"]
    api_client.force_authenticate(company["registrant"])
    response = api_client.patch(
        f"/api/v1/deals/{deal.pk}/", {"customer_contact_phone": "13900000000"}, format="json"
    )
    assert response.status_code == 200, response.data
    deal.refresh_from_db()
    assert deal.customer_contact_phone == "13900000000"


# --- the edit page ----------------------------------------------------------------------------
def test_edit_page_hides_the_contact_from_a_colleague_and_keeps_it_on_save(client, company):
    deal = company["deal"]
    login(client, company["colleague"])
    # when the colleague opens the draft's form
    page = client.get(reverse("deals:edit", args=[deal.pk]))
    # then the contact is not in it, and the read is audited
    assert page.status_code == 200
    assert not any(value in page.text for value in CONTACT.values())
    assert AuditEvent.objects.filter(action="deal.viewed", actor=company["colleague"]).exists()
    # and saving the form keeps the contact
    line = deal.lines.get()
    client.post(
        reverse("deals:edit", args=[deal.pk]),
        {
            "customer_name": deal.customer_name,
            "customer_region": deal.customer_region,
            "project_name": "Renamed",
            "currency": "CNY",
            "expected_close_date": deal.expected_close_date.isoformat(),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-product": line.product_id,
            "lines-0-quantity": "2",
            "lines-0-unit_price": "900.00",
        },
    )
    deal.refresh_from_db()
    assert deal.project_name == "Renamed"
    assert {k: getattr(deal, k) for k in CONTACT} == CONTACT


def test_edit_page_shows_the_contact_to_the_registrant(client, company):
    page = login(client, company["registrant"]).get(
        reverse("deals:edit", args=[company["deal"].pk])
    )
    assert shows_full(page.text)


# --- exports ----------------------------------------------------------------------------------
def export_text(response, export_format: str) -> str:
    if export_format == "csv":
        return response.getvalue().decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    return "\n".join(",".join(str(c) for c in row if c is not None) for row in sheet.values)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize(("who", "full"), [("registrant", True), ("colleague", False)])
def test_deal_export_masks_the_contact_and_is_audited(client, company, export_format, who, full):
    # when a partner user exports the filtered list
    response = login(client, company[who]).get(
        reverse("deals:list") + f"?status=draft&export={export_format}"
    )
    # then the file holds the contact in full or masked, and one audit row the export
    assert response.status_code == 200
    text = export_text(response, export_format)
    assert shows_full(text) if full else shows_masked(text)
    event = AuditEvent.objects.get(action="deal.exported")
    assert event.actor == company[who]
    assert event.changes["ids"] == [company["deal"].pk]
    assert event.changes["format"] == export_format
    assert event.changes["filters"] == {"status": "draft"}


def test_export_neutralises_formulas(client, company):
    DealFactory(partner=company["dealer"], project_name="=HYPERLINK(1)")
    response = login(client, company["registrant"]).get(reverse("deals:list") + "?export=csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert "'=HYPERLINK(1)" in [row[1] for row in rows]


def test_export_of_another_company_shows_nothing_of_it(client, company, other_partner):
    DealFactory(partner=other_partner, **CONTACT, project_name="Theirs")
    response = login(client, company["registrant"]).get(reverse("deals:list") + "?export=csv")
    assert "Theirs" not in response.getvalue().decode("utf-8-sig")


# --- leads: the contact belongs to the partner that accepted the lead ---------------------------
@pytest.fixture
def lead_setup():
    """A Gold partner covering Shanghai with two sales users and an admin; a lead with a contact."""
    gold = PartnerFactory(tier=tier("gold"), regions=["CN-SH"])
    people = {
        "seller": PartnerUserFactory(partner=gold, role=Role.PARTNER_SALES),
        "colleague": PartnerUserFactory(partner=gold, role=Role.PARTNER_SALES),
        "admin": PartnerUserFactory(partner=gold, role=Role.PARTNER_ADMIN),
    }
    return {"lead": publish_lead(), **people}


def publish_lead(**overrides):
    data = {
        "customer_name": "上海远航物流有限公司",
        "customer_region": "CN-SH",
        "project_name": "Warehouse Wi-Fi",
        "estimated_value": Decimal("380000.00"),
        "currency": "CNY",
        **CONTACT,
    }
    return services.lead_publish(actor=staff(), data=data | overrides)


def test_offered_lead_shows_the_contact_masked_and_the_list_is_audited(client, lead_setup):
    # given a lead offered to the partner, not accepted yet
    lead = lead_setup["lead"]
    response = login(client, lead_setup["seller"]).get(reverse("deals:lead_list"))
    # then its contact is masked on the offers page, and the read audited once
    assert shows_masked(response.text)
    event = AuditEvent.objects.get(action="lead.listed")
    assert event.changes["ids"] == [lead.pk]
    assert event.changes["filters"] == {"show": "open"}


def test_offers_page_query_count_stays_constant_with_the_audit(
    client, lead_setup, django_assert_max_num_queries
):
    login(client, lead_setup["seller"])
    page = lambda: client.get(reverse("deals:lead_list"))  # noqa: E731
    few = count_queries(page)
    for i in range(20):
        publish_lead(project_name=f"Lead {i}")
    with django_assert_max_num_queries(few):
        assert page().status_code == 200
    assert [e.changes["count"] for e in AuditEvent.objects.filter(action="lead.listed")] == [21, 1]


def test_offered_lead_api_masks_the_contact_and_is_audited(api_client, lead_setup):
    lead = lead_setup["lead"]
    api_client.force_authenticate(lead_setup["seller"])
    listed = api_client.get("/api/v1/leads/")
    detail = api_client.get(f"/api/v1/leads/{lead.pk}/")
    assert {k: listed.data["results"][0]["lead"][k] for k in CONTACT} == MASKED
    assert {k: detail.data["lead"][k] for k in CONTACT} == MASKED
    events = AuditEvent.objects.filter(actor=lead_setup["seller"]).order_by("pk")
    assert [(e.action, e.changes["door"], e.changes["ids"]) for e in events] == [
        ("lead.listed", "api", [lead.pk]),
        ("lead.viewed", "api", [lead.pk]),
    ]


@pytest.mark.parametrize(("who", "full"), [("seller", True), ("admin", True), ("colleague", False)])
def test_accepted_lead_contact_is_full_for_the_accepting_user_and_admins(
    api_client, lead_setup, who, full
):
    # given the seller accepted the lead; its contact moved to the new draft registration
    lead = lead_setup["lead"]
    deal = services.lead_accept(lead_id=lead.pk, actor=lead_setup["seller"])
    assert {k: getattr(deal, k) for k in CONTACT} == CONTACT
    # when one of the company's users reads the lead and the deal through the API
    api_client.force_authenticate(lead_setup[who])
    lead_response = api_client.get(f"/api/v1/leads/{lead.pk}/")
    deal_response = api_client.get(f"/api/v1/deals/{deal.pk}/")
    # then both show the contact full to the acceptor and admins, masked to a colleague
    expected = CONTACT if full else MASKED
    assert {k: lead_response.data["lead"][k] for k in CONTACT} == expected
    assert {k: deal_response.data[k] for k in CONTACT} == expected


def test_staff_publishing_a_lead_through_the_api_get_the_contact_back(api_client):
    api_client.force_authenticate(staff(Role.CHANNEL_MANAGER))
    body = {
        "customer_name": "上海远航物流有限公司",
        "customer_region": "CN-SH",
        "project_name": "Warehouse Wi-Fi",
        "estimated_value": "380000.00",
        "currency": "CNY",
        **CONTACT,
    }
    response = api_client.post("/api/v1/leads/", body, format="json")
    assert response.status_code == 201, response.data
    assert {k: response.data[k] for k in CONTACT} == CONTACT


def test_accept_answer_shows_the_acceptor_the_contact(api_client, lead_setup):
    api_client.force_authenticate(lead_setup["seller"])
    response = api_client.post(f"/api/v1/leads/{lead_setup['lead'].pk}/accept/")
    assert response.status_code == 201
    assert {k: response.data[k] for k in CONTACT} == CONTACT


def test_declining_through_htmx_returns_a_masked_row_and_is_audited(client, lead_setup):
    lead = lead_setup["lead"]
    response = login(client, lead_setup["seller"]).post(
        reverse("deals:lead_decline", args=[lead.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert shows_masked(response.text)
    event = AuditEvent.objects.get(action="lead.viewed")
    assert event.changes == {"ids": [lead.pk], "count": 1, "door": "htmx"}


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_lead_export_is_masked_and_audited(client, lead_setup, export_format):
    response = login(client, lead_setup["seller"]).get(
        reverse("deals:lead_list") + f"?export={export_format}"
    )
    assert response.status_code == 200
    assert shows_masked(export_text(response, export_format))
    event = AuditEvent.objects.get(action="lead.exported")
    assert event.changes["ids"] == [lead_setup["lead"].pk]
    assert event.changes["format"] == export_format


def test_staff_see_lead_contact_in_full(client, lead_setup):
    response = login(client, staff(Role.CHANNEL_MANAGER)).get(
        reverse("deals:lead_detail", args=[lead_setup["lead"].pk])
    )
    assert shows_full(response.text)
