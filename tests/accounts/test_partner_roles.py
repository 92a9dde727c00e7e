"""Partner roles (DESIGN §1): partner sales sees no company finance — statements, accruals beyond
the dashboard what-if, the MDF ledger, credit — in pages, API and downloads; partner finance and
partner admin do. Refusals by role are 403, as everywhere in the portal."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.scoping import acts_on_company_finance, sees_company_finance
from core.periods import Quarter
from funds import services as fund_services
from partners.models import CreditApplication
from rebates.models import Accrual
from rebates.services import accruals_calculate
from settlement import services as settlement_services
from settlement.choices import StatementState
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory
from tests.funds.factories import allocation
from tests.rebates.factories import PERIOD, line, programme, target
from tests.settlement.factories import published_statement

pytestmark = pytest.mark.django_db

FINANCE_SIDE = [Role.PARTNER_FINANCE, Role.PARTNER_ADMIN]


@pytest.fixture
def company():
    return PartnerFactory()


@pytest.fixture
def sales(company):
    return PartnerUserFactory(partner=company, role=Role.PARTNER_SALES)


@pytest.fixture
def statement(company):
    return published_statement(company, "1222000.00")


@pytest.fixture
def accrual(company):
    prog = programme(name="Standard")
    target(prog, company, 1_000_000)
    line(company, 900_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    return Accrual.objects.get(partner=company)


@pytest.fixture
def accrual_this_quarter(company):
    """The dashboard card reads the current quarter."""
    quarter = Quarter.containing(timezone.localdate())
    prog = programme(name="Standard")
    target(prog, company, 1_000_000, period=str(quarter))
    line(company, 900_000, day=quarter.start.isoformat())
    accruals_calculate(period=quarter, partner_range=(0, 2**62))
    return Accrual.objects.get(partner=company)


@pytest.fixture
def credit_application(company):
    return CreditApplication.objects.create(
        partner=company,
        kind="normal",
        amount=Decimal("5000"),
        currency="CNY",
        justification="Growth",
        requested_by=PartnerUserFactory(partner=company, role=Role.PARTNER_FINANCE),
    )


def _statement_pages(statement) -> list[str]:
    return [
        reverse("settlement:statement_list"),
        reverse("settlement:statement_detail", args=[statement.pk]),
        reverse("settlement:statement_pdf", args=[statement.pk]),
        reverse("settlement:statement_csv", args=[statement.pk]),
        reverse("settlement:statement_xlsx", args=[statement.pk]),
        reverse("settlement:statement_dispute", args=[statement.pk]),
    ]


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.PARTNER_SALES, False),
        (Role.PARTNER_FINANCE, True),
        (Role.PARTNER_ADMIN, True),
    ],
)
def test_the_one_rule_of_who_sees_company_finance(company, role, sees):
    # given a partner user of each role
    user = PartnerUserFactory(partner=company, role=role)
    # then the rule answers by role, and acting on finance needs the own company too
    assert sees_company_finance(user) is sees
    assert acts_on_company_finance(user, company.pk) is sees
    assert acts_on_company_finance(user, PartnerFactory().pk) is False


# --- statements ----------------------------------------------------------------------------------


def test_partner_sales_is_refused_every_statement_page_and_download(client, sales, statement):
    # given partner sales of the statement's company
    client.force_login(sales)
    # when opening the list, the detail, the PDF, the line CSV/XLSX and the dispute form
    # then each is refused
    for url in _statement_pages(statement):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", FINANCE_SIDE)
def test_partner_finance_and_admin_open_every_statement_page_and_download(
    client, company, statement, role
):
    client.force_login(PartnerUserFactory(partner=company, role=role))
    for url in _statement_pages(statement):
        assert client.get(url).status_code == 200, url


def test_partner_sales_cannot_confirm_or_dispute_a_statement(client, sales, statement):
    # given a published statement of 1,222,000
    client.force_login(sales)
    # when partner sales confirms or disputes it through the pages
    confirm = client.post(
        reverse("settlement:statement_transition", args=[statement.pk, "confirm"])
    )
    dispute = client.post(
        reverse("settlement:statement_dispute", args=[statement.pk]),
        {"lines": [statement.lines.first().pk], "reason": "Wrong"},
    )
    # then both are refused and the statement is still waiting for the partner's finance
    assert confirm.status_code == 403
    assert dispute.status_code == 403
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_the_service_refuses_partner_sales_whatever_the_door(sales, statement):
    with pytest.raises(ValidationError):
        settlement_services.statement_confirm(statement=statement, actor=sales)
    with pytest.raises(ValidationError):
        settlement_services.statement_dispute(
            statement=statement,
            actor=sales,
            line_ids=[statement.lines.first().pk],
            reason="Wrong",
        )
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_partner_finance_confirms_the_statement(client, company, statement):
    client.force_login(PartnerUserFactory(partner=company, role=Role.PARTNER_FINANCE))
    client.post(reverse("settlement:statement_transition", args=[statement.pk, "confirm"]))
    statement.refresh_from_db()
    assert statement.state == StatementState.CONFIRMED


def test_statement_api_refuses_partner_sales(api_client, sales, statement):
    api_client.force_authenticate(sales)
    base = "/api/v1/settlement/statements/"
    assert api_client.get(base).status_code == 403
    assert api_client.get(f"{base}{statement.pk}/").status_code == 403
    assert api_client.post(f"{base}{statement.pk}/confirm/").status_code == 403
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


@pytest.mark.parametrize("role", FINANCE_SIDE)
def test_statement_api_serves_partner_finance_and_admin(api_client, company, statement, role):
    api_client.force_authenticate(PartnerUserFactory(partner=company, role=role))
    base = "/api/v1/settlement/statements/"
    assert [s["id"] for s in api_client.get(base).json()["results"]] == [statement.pk]
    assert api_client.get(f"{base}{statement.pk}/").status_code == 200
    assert api_client.post(f"{base}{statement.pk}/confirm/").status_code == 200


# --- accruals ------------------------------------------------------------------------------------


def test_partner_sales_is_refused_accruals_in_pages_exports_and_api(
    client, api_client, sales, accrual
):
    client.force_login(sales)
    assert client.get(reverse("rebates:accrual_list")).status_code == 403
    assert client.get(reverse("rebates:accrual_list"), {"export": "csv"}).status_code == 403
    assert client.get(reverse("rebates:accrual_detail", args=[accrual.pk])).status_code == 403
    api_client.force_authenticate(sales)
    assert api_client.get("/api/v1/rebates/accruals/").status_code == 403
    assert api_client.get(f"/api/v1/rebates/accruals/{accrual.pk}/").status_code == 403


@pytest.mark.parametrize("role", FINANCE_SIDE)
def test_partner_finance_and_admin_read_accruals(client, api_client, company, accrual, role):
    user = PartnerUserFactory(partner=company, role=role)
    client.force_login(user)
    assert client.get(reverse("rebates:accrual_list")).status_code == 200
    assert client.get(reverse("rebates:accrual_detail", args=[accrual.pk])).status_code == 200
    api_client.force_authenticate(user)
    assert api_client.get(f"/api/v1/rebates/accruals/{accrual.pk}/").status_code == 200


def test_partner_sales_dashboard_keeps_the_what_if_but_not_the_accrued_amount(
    client, sales, company, accrual_this_quarter
):
    # given an accrual at 90% attainment (the 5% bracket; 10% from 1,000,000)
    client.force_login(sales)
    # when partner sales opens the dashboard
    page = client.get(reverse("core:dashboard")).content.decode()
    # then the what-if is there, the accrued amount and the way to the accruals are not
    assert "more revenue reaches the" in page
    assert "so far" not in page
    assert reverse("rebates:accrual_list") not in page


def test_partner_finance_dashboard_shows_the_accrued_amount(client, company, accrual_this_quarter):
    client.force_login(PartnerUserFactory(partner=company, role=Role.PARTNER_FINANCE))
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "so far" in page
    assert reverse("rebates:accrual_list") in page


# --- MDF ledger ----------------------------------------------------------------------------------


def test_partner_sales_is_refused_the_mdf_ledger_in_pages_and_api(client, api_client, sales):
    allocation(sales.partner, "5000.00")
    client.force_login(sales)
    assert client.get(reverse("funds:balance")).status_code == 403
    assert client.get(reverse("funds:claim_list")).status_code == 403
    api_client.force_authenticate(sales)
    assert api_client.get("/api/v1/mdf/ledger/").status_code == 403
    assert api_client.get("/api/v1/mdf/balance/").status_code == 403
    assert api_client.get("/api/v1/mdf/claims/").status_code == 403


@pytest.mark.parametrize("role", FINANCE_SIDE)
def test_partner_finance_and_admin_read_the_mdf_ledger(client, api_client, company, role):
    allocation(company, "5000.00")
    user = PartnerUserFactory(partner=company, role=role)
    client.force_login(user)
    assert client.get(reverse("funds:balance")).status_code == 200
    api_client.force_authenticate(user)
    assert len(api_client.get("/api/v1/mdf/ledger/").json()["results"]) == 1
    assert api_client.get("/api/v1/mdf/balance/").json()["balance"] == "5000.00"


def test_partner_sales_cannot_file_a_fund_request(sales):
    allocation(sales.partner, "5000.00")
    with pytest.raises(PermissionDenied):
        fund_services.fund_request_submit(
            partner=sales.partner,
            actor=sales,
            title="Salon",
            activity_type="technical_salon",
            start_date=datetime.date(2027, 1, 10),
            end_date=datetime.date(2027, 1, 11),
            total_budget=Decimal("2000.00"),
            requested_amount=Decimal("1000.00"),
        )


# --- credit --------------------------------------------------------------------------------------


def test_partner_sales_is_refused_credit_in_pages_and_api(
    client, api_client, sales, credit_application
):
    client.force_login(sales)
    assert client.get(reverse("partners:credit_list")).status_code == 403
    detail = reverse("partners:credit_detail", args=[credit_application.pk])
    assert client.get(detail).status_code == 403
    api_client.force_authenticate(sales)
    assert api_client.get("/api/v1/partners/credit/").status_code == 403
    assert api_client.get(f"/api/v1/partners/credit/{credit_application.pk}/").status_code == 403
    assert api_client.get("/api/v1/partners/credit/exposure/").status_code == 403


@pytest.mark.parametrize("role", FINANCE_SIDE)
def test_partner_finance_and_admin_read_credit(
    client, api_client, company, credit_application, role
):
    user = PartnerUserFactory(partner=company, role=role)
    client.force_login(user)
    assert client.get(reverse("partners:credit_list")).status_code == 200
    detail = reverse("partners:credit_detail", args=[credit_application.pk])
    assert client.get(detail).status_code == 200
    api_client.force_authenticate(user)
    assert api_client.get(f"/api/v1/partners/credit/{credit_application.pk}/").status_code == 200
    assert api_client.get("/api/v1/partners/credit/exposure/").status_code == 200


def test_partner_sales_profile_page_shows_no_credit(client, sales, company):
    company.credit_limit = Decimal("987654.00")
    company.save()
    client.force_login(sales)
    page = client.get(reverse("partners:my_company")).content.decode()
    assert "987,654" not in page
    assert "Credit limit" not in page


# --- navigation and dashboard ---------------------------------------------------------------------


def test_partner_sales_sees_no_finance_links_or_cards(client, sales, statement):
    allocation(sales.partner, "5000.00")
    client.force_login(sales)
    page = client.get(reverse("core:dashboard")).content.decode()
    for name in (
        "settlement:statement_list",
        "rebates:accrual_list",
        "funds:balance",
        "funds:claim_list",
        "partners:credit_list",
    ):
        assert f'href="{reverse(name)}"' not in page, name
    assert "MDF balance" not in page
    assert statement.number not in page


def test_partner_finance_sees_the_finance_links_and_cards(client, company, statement):
    allocation(company, "5000.00")
    client.force_login(PartnerUserFactory(partner=company, role=Role.PARTNER_FINANCE))
    page = client.get(reverse("core:dashboard")).content.decode()
    for name in ("settlement:statement_list", "rebates:accrual_list", "funds:balance"):
        assert f'href="{reverse(name)}"' in page, name
    assert statement.number in page


def test_staff_are_not_narrowed_by_the_partner_finance_rule():
    assert sees_company_finance(UserFactory(role=Role.CHANNEL_MANAGER))


def test_request_funds_button_follows_the_rule(client, company, sales):
    client.force_login(sales)
    assert (
        reverse("funds:request_create")
        not in client.get(reverse("funds:request_list")).content.decode()
    )
    assert client.get(reverse("funds:request_create")).status_code == 403
    client.force_login(PartnerUserFactory(partner=company, role=Role.PARTNER_FINANCE))
    assert (
        reverse("funds:request_create")
        in client.get(reverse("funds:request_list")).content.decode()
    )


def test_the_what_if_read_is_the_own_company_only(company, sales, accrual):
    # given partner sales of a distributor's dealer and the dealer's own accrual
    distributor_sales = PartnerUserFactory(
        partner=PartnerFactory(partner_type="distributor"), role=Role.PARTNER_SALES
    )
    company.parent = distributor_sales.partner
    company.save()
    # then the what-if read gives partner sales its own company's accrual, never a dealer's
    assert list(Accrual.objects.restrict(sales, "what_if")) == [accrual]
    assert not Accrual.objects.restrict(distributor_sales, "what_if").exists()
    assert not Accrual.objects.restrict(sales, "view").exists()
