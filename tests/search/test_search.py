"""The global search (DESIGN §8.1): scoped like the lists, fuzzy on Chinese and Latin names with
the customer fingerprint of §4.2, exact on tax IDs and numbers, and never a 500 on bad input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from core.models import AuditEvent
from core.search import search, search_text_clean
from deals.rules import normalize_customer_name
from deals.services import lead_publish

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, PartnerUserFactory, staff
from ..settlement.factories import published_statement

pytestmark = pytest.mark.django_db


def deal(name: str, **kwargs):
    return DealFactory(
        customer_name=name, customer_fingerprint=normalize_customer_name(name), **kwargs
    )


def found(user, text: str, kind: str) -> list[str]:
    groups = {g.kind: g for g in search(user=user, text=search_text_clean(text), limit=20)}
    return [hit.title for hit in groups[kind].hits] if kind in groups else []


def urls(user, text: str, kind: str) -> list[str]:
    groups = {g.kind: g for g in search(user=user, text=search_text_clean(text), limit=20)}
    return [hit.url for hit in groups[kind].hits] if kind in groups else []


# --- fuzzy names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("华为技术有限公司", "华为技术"),
        ("Contoso Tradings Ltd.", "Contoso Trading"),
        ("深圳市腾讯计算机系统有限公司", "腾讯计算机"),
        ("Fabrikam Logistics GmbH", "fabrikam logistcs"),  # a typo
        ("ＡＢＣ Electronics Co., Ltd.", "abc electronics"),  # full-width, case
    ],
)
def test_a_deal_is_found_by_a_fuzzy_customer_name(stored, typed):
    # given a registration of the customer, and another one far from it
    wanted = deal(stored)
    deal("北京完全不同的名字有限公司")
    # when staff search for the name as typed
    hits = urls(staff(), typed, "deals")
    # then the registration comes first
    assert hits[0] == reverse("deals:detail", args=[wanted.pk])
    assert len(hits) == 1


def test_a_draft_is_found_by_its_customer_once_saved(partner_user):
    # given a draft saved through the service (which now fingerprints drafts too)
    from deals.services import deal_draft_save

    from ..deals.factories import ProductFactory

    draft = deal_draft_save(
        actor=partner_user,
        data={
            "customer_name": "杭州云栖智能有限公司",
            "customer_region": "CN-SH",
            "project_name": "Campus Wi-Fi",
            "currency": "CNY",
            "expected_close_date": "2027-01-31",
        },
        lines=[{"product": ProductFactory(), "quantity": 1, "unit_price": "900.00"}],
    )
    # then its registrant finds it by customer
    assert urls(partner_user, "云栖智能", "deals") == [reverse("deals:detail", args=[draft.pk])]


def test_a_deal_is_found_by_its_project_name():
    wanted = deal("上海华东信息科技有限公司", project_name="Data centre refresh 2027")
    assert urls(staff(), "data centre refresh", "deals") == [
        reverse("deals:detail", args=[wanted.pk])
    ]


def test_a_deal_is_found_by_its_exact_tax_id_and_not_by_a_neighbour():
    wanted = deal("上海华东信息科技有限公司", customer_tax_id="91310000MA1FL4XX1A")
    deal("上海华东信息科技有限公司", customer_tax_id="91310000MA1FL4XX1B")
    assert urls(staff(), "91310000 ma1fl4xx1a", "deals")[0] == reverse(
        "deals:detail", args=[wanted.pk]
    )


def test_a_partner_is_found_by_fuzzy_name_and_by_exact_tax_id():
    wanted = PartnerFactory(legal_name="Contoso Tradings Ltd.", tax_id="91440300MA5ABCDE1X")
    PartnerFactory(legal_name="北京蓝海数据有限公司")
    user = staff()
    assert found(user, "Contoso Trading", "partners") == ["Contoso Tradings Ltd."]
    assert found(user, "91440300ma5abcde1x", "partners") == ["Contoso Tradings Ltd."]
    assert urls(user, "contoso", "partners") == [
        reverse("partners:partner_detail", args=[wanted.pk])
    ]


def test_a_lead_is_found_by_customer_name():
    lead = lead_publish(
        actor=staff(),
        data={
            "customer_name": "上海远航物流有限公司",
            "customer_region": "CN-SH",
            "project_name": "Warehouse Wi-Fi",
            "estimated_value": "380000.00",
            "currency": "CNY",
        },
    )
    assert urls(staff(), "远航物流", "leads") == [reverse("deals:lead_detail", args=[lead.pk])]


# --- scoping -----------------------------------------------------------------------------------
def test_a_partner_user_never_finds_another_companys_deal(partner_user, other_partner):
    # given the same customer registered by the user's company and by another one
    own = deal("华为技术有限公司", partner=partner_user.partner)
    deal("华为技术有限公司", partner=other_partner)
    # then the user finds only its own registration
    assert urls(partner_user, "华为技术", "deals") == [reverse("deals:detail", args=[own.pk])]


def test_a_partner_user_finds_no_other_partner_by_name_or_tax_id(partner_user):
    other = PartnerFactory(legal_name="Contoso Tradings Ltd.", tax_id="91440300MA5ABCDE1X")
    assert found(partner_user, "Contoso Trading", "partners") == []
    assert found(partner_user, other.tax_id, "partners") == []
    assert found(partner_user, partner_user.partner.legal_name, "partners") == [
        partner_user.partner.legal_name
    ]


def test_a_hit_of_another_company_opened_by_its_link_is_a_404(client, partner_user, other_partner):
    # given the link staff get for another company's registration
    deal("华为技术有限公司", partner=other_partner)
    (link,) = urls(staff(), "华为技术", "deals")
    # when the partner user opens it (or guesses the id), it does not exist for them
    client.force_login(partner_user)
    assert client.get(link).status_code == 404
    assert found(partner_user, "华为技术", "deals") == []


def test_a_partner_user_finds_only_leads_offered_to_its_company(partner):
    # given a lead offered in the partner's region, and the partner's sales user
    lead = lead_publish(
        actor=staff(),
        data={
            "customer_name": "上海远航物流有限公司",
            "customer_region": "CN-SH",
            "project_name": "Warehouse Wi-Fi",
            "estimated_value": "380000.00",
            "currency": "CNY",
        },
    )
    offered = list(lead.offers.values_list("partner_id", flat=True))
    seller = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    stranger = PartnerUserFactory(
        partner=PartnerFactory(regions=["CN-BJ"]), role=Role.PARTNER_SALES
    )
    # then whoever was offered it finds it (on the offers page), nobody else does
    assert partner.pk in offered
    assert urls(seller, "远航物流", "leads") == [reverse("deals:lead_list") + "?show=all"]
    assert found(stranger, "远航物流", "leads") == []


def test_statements_are_found_by_number_only_by_who_reads_them(partner, other_partner):
    # given a published statement of each company
    own = published_statement(partner)
    theirs = published_statement(other_partner)
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    # then the partner admin finds its own by number, prefix or lower case, never the other's
    assert found(admin, own.number, "statements") == [own.number]
    assert found(admin, own.number.lower(), "statements") == [own.number]
    assert found(admin, theirs.number, "statements") == []
    # partner sales sees no company finance, finance staff sees both
    assert found(sales, own.number, "statements") == []
    assert found(staff(Role.FINANCE), theirs.number, "statements") == [theirs.number]
    assert found(staff(Role.CHANNEL_MANAGER), theirs.number, "statements") == []


def test_users_are_found_by_staff_and_by_a_partner_admin_in_its_own_company(partner):
    colleague = PartnerUserFactory(partner=partner, full_name="Zhang Wei", role=Role.PARTNER_SALES)
    PartnerUserFactory(full_name="Zhang Wei", role=Role.PARTNER_SALES)  # another company
    admin = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    assert urls(admin, "Zhang Wei", "users") == [reverse("partners:my_company")]
    assert found(sales, "Zhang Wei", "users") == []
    assert len(found(staff(), "zhang wei", "users")) == 2
    assert found(staff(), colleague.email, "users")[0] == "Zhang Wei"


def test_a_partner_users_search_of_customers_is_audited(partner_user):
    own = deal("华为技术有限公司", partner=partner_user.partner)
    search(user=partner_user, text="华为技术", door="htmx")
    event = AuditEvent.objects.get(action="deal.listed")
    assert event.changes["ids"] == [own.pk]
    assert event.changes["filters"] == {"q": "华为技术"}


# --- the page, the dropdown and the API ---------------------------------------------------------
def test_the_page_lists_hits_grouped_by_kind(client, partner_user):
    own = deal("华为技术有限公司", partner=partner_user.partner)
    client.force_login(partner_user)
    response = client.get(reverse("core:search"), {"q": "华为技术"})
    assert response.status_code == 200
    assert reverse("deals:detail", args=[own.pk]) in response.text
    assert "Deal registrations" in response.text


def test_the_dropdown_is_a_listbox_of_options(client, partner_user):
    deal("华为技术有限公司", partner=partner_user.partner)
    client.force_login(partner_user)
    response = client.get(reverse("core:search"), {"q": "华为"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="option"' in response.text
    assert "<html" not in response.text


def test_another_companys_deal_is_not_in_the_api(api_client, partner_user, other_partner):
    theirs = deal("华为技术有限公司", partner=other_partner)
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/search/", {"q": "华为技术"})
    assert response.status_code == 200
    assert str(theirs.pk) not in str(response.json())
    assert response.json()["groups"] == []


def test_the_api_answers_hits_by_kind(api_client, partner_user):
    own = deal("Contoso Tradings Ltd.", partner=partner_user.partner)
    api_client.force_authenticate(partner_user)
    body = api_client.get("/api/v1/search/", {"q": "Contoso Trading"}).json()
    deals = next(g for g in body["groups"] if g["kind"] == "deals")
    assert deals["hits"][0]["url"] == reverse("deals:detail", args=[own.pk])
    assert deals["hits"][0]["title"] == "Contoso Tradings Ltd."


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Type what to search for."),
        ("   ", "Type what to search for."),
        ("a", "Type at least 2 characters."),
        ("x" * 101, "Type at most 100 characters."),
        ("华为\x07", "control characters"),
    ],
)
def test_a_query_that_cannot_be_searched_is_told_why(client, api_client, partner_user, q, message):
    client.force_login(partner_user)
    page = client.get(reverse("core:search"), {"q": q})
    dropdown = client.get(reverse("core:search"), {"q": q}, HTTP_HX_REQUEST="true")
    api_client.force_authenticate(partner_user)
    api = api_client.get("/api/v1/search/", {"q": q})
    assert page.status_code == 200 and message in page.text
    assert dropdown.status_code == 200 and message in dropdown.text
    assert api.status_code == 400 and "q" in api.json()


def test_a_nul_character_is_refused_with_a_message_not_a_500(client, api_client, partner_user):
    client.force_login(partner_user)
    api_client.force_authenticate(partner_user)
    page = client.get(reverse("core:search"), {"q": "华为\x00"})
    api = api_client.get("/api/v1/search/", {"q": "华为\x00"})
    assert page.status_code == 400 and "Null characters are not allowed." in page.text
    assert api.status_code == 400 and "Null characters are not allowed." in str(api.json())


def test_a_query_of_like_wildcards_matches_them_literally():
    deal("100% Solutions Ltd.")
    deal("Other Solutions Ltd.")
    assert found(staff(), "100%", "deals") == ["100% Solutions Ltd."]
    assert found(staff(), "%%%", "deals") == []


def test_the_number_of_queries_does_not_grow_with_the_hits(client, partner):
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    client.force_login(user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("core:search"), {"q": "华为技术"}).status_code == 200
        return len(queries)

    deal("华为技术有限公司", partner=partner)
    few = count()
    for i in range(15):
        deal(f"华为技术{i}有限公司", partner=partner)
        PartnerUserFactory(partner=partner, full_name=f"华为技术 {i}")
    assert count() == few


# --- speed: every provider reads through an index ------------------------------------------------
BIG_TABLES = (
    "deals_deal",
    "deals_lead",
    "deals_leadoffer",
    "partners_partner",
    "accounts_user",
    "settlement_statement",
)


@pytest.mark.parametrize(
    "text", ["华为技术", "Contoso Trading", "91310000MA1FL4XX1A", "ST-2026", "张伟", "ab"]
)
@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE, Role.PARTNER_ADMIN])
def test_no_provider_scans_a_whole_table(partner, role, text):
    # given a little of everything (the planner is told to avoid sequential scans, as the search
    # does at full scale, so only a missing index makes one)
    deal("华为技术有限公司", partner=partner)
    PartnerFactory(legal_name="Contoso Tradings Ltd.")
    user = (
        PartnerUserFactory(partner=partner, role=role)
        if role == Role.PARTNER_ADMIN
        else staff(role)
    )
    # when the user searches
    with CaptureQueriesContext(connection) as queries:
        search(user=user, text=search_text_clean(text))
    # then no query reads one of the big tables from end to end
    scans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if not query["sql"].startswith("SELECT") or "set_config" in query["sql"]:
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
            scans += whole_table_scans(cursor.fetchone()[0][0]["Plan"])
    assert scans == []


def whole_table_scans(node: dict) -> list[str]:
    """Scans of a big table that read all of it: sequential, or an index walked end to end."""
    found = []
    table = node.get("Relation Name")
    if table in BIG_TABLES and (
        node["Node Type"] == "Seq Scan"
        or (node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in node)
    ):
        found.append(f"{node['Node Type']} on {table}")
    for child in node.get("Plans", []):
        found += whole_table_scans(child)
    return found
