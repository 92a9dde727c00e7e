"""Distributors (DESIGN §1): a parent sees its dealers' profile summary, deals, accruals and
statements read-only, and nothing else of theirs — no tax ID, scorecards, MDF ledger or credit."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.choices import Role
from accounts.scoping import scope_allows
from deals.models import Deal
from funds.models import FundRequest, MdfLedgerEntry
from partners import services as partner_services
from partners.choices import PartnerType, ScorecardKind
from partners.models import CreditApplication, Partner
from rebates.models import Accrual
from rebates.services import accruals_calculate
from settlement.choices import StatementState
from settlement.models import Statement
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory
from tests.funds.factories import allocation
from tests.rebates.factories import PERIOD, line, programme, target
from tests.settlement.factories import published_statement

pytestmark = pytest.mark.django_db

DEALER_TAX_ID = "91310000DEALER0001"


@pytest.fixture
def distributor():
    return PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)


@pytest.fixture
def dealer(distributor):
    return PartnerFactory(parent=distributor, tax_id=DEALER_TAX_ID)


@pytest.fixture
def parent_finance(distributor):
    return PartnerUserFactory(partner=distributor, role=Role.PARTNER_FINANCE)


@pytest.fixture
def dealer_statement(dealer):
    return published_statement(dealer, "1500.00")


@pytest.fixture
def dealer_accrual(dealer):
    prog = programme(name="Dealers")
    target(prog, dealer, 1_000_000)
    line(dealer, 900_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    return Accrual.objects.get(partner=dealer)


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- statements: read-only ----------------------------------------------------------------------


def test_parent_reads_its_dealers_statement_and_downloads(client, parent_finance, dealer_statement):
    # given a published statement of a dealer
    client.force_login(parent_finance)
    # when its distributor's finance user opens the list, the detail and the downloads
    listing = client.get(reverse("settlement:statement_list")).content.decode()
    detail = client.get(reverse("settlement:statement_detail", args=[dealer_statement.pk]))
    pdf = client.get(reverse("settlement:statement_pdf", args=[dealer_statement.pk]))
    lines = client.get(reverse("settlement:statement_csv", args=[dealer_statement.pk]))
    xlsx = client.get(reverse("settlement:statement_xlsx", args=[dealer_statement.pk]))
    # then all are there, read-only, and the dealer's tax ID is not
    assert dealer_statement.number in listing
    assert detail.status_code == 200
    assert detail.context["can_respond"] is False
    assert (pdf.status_code, lines.status_code, xlsx.status_code) == (200, 200, 200)
    assert DEALER_TAX_ID not in _pdf_text(pdf.content)
    assert DEALER_TAX_ID not in detail.content.decode()


def test_the_dealers_own_pdf_keeps_its_tax_id(client, dealer, dealer_statement):
    client.force_login(PartnerUserFactory(partner=dealer, role=Role.PARTNER_FINANCE))
    pdf = client.get(reverse("settlement:statement_pdf", args=[dealer_statement.pk]))
    assert DEALER_TAX_ID in _pdf_text(pdf.content)


def test_parent_cannot_confirm_or_dispute_its_dealers_statement(
    client, api_client, parent_finance, dealer_statement
):
    client.force_login(parent_finance)
    confirm = reverse("settlement:statement_transition", args=[dealer_statement.pk, "confirm"])
    dispute = reverse("settlement:statement_dispute", args=[dealer_statement.pk])
    assert client.post(confirm).status_code == 404
    assert client.get(dispute).status_code == 404
    api_client.force_authenticate(parent_finance)
    base = f"/api/v1/settlement/statements/{dealer_statement.pk}/"
    assert api_client.get(base).status_code == 200
    assert api_client.post(f"{base}confirm/").status_code == 404
    payload = {"lines": [dealer_statement.lines.first().pk], "reason": "Wrong"}
    assert api_client.post(f"{base}dispute/", payload, format="json").status_code == 404
    dealer_statement.refresh_from_db()
    assert dealer_statement.state == StatementState.PUBLISHED


def test_distributor_sales_sees_no_finance_of_its_dealers_either(
    client, distributor, dealer_statement
):
    client.force_login(PartnerUserFactory(partner=distributor, role=Role.PARTNER_SALES))
    url = reverse("settlement:statement_detail", args=[dealer_statement.pk])
    assert client.get(url).status_code == 403
    assert not Statement.objects.visible_to(
        PartnerUserFactory(partner=distributor, role=Role.PARTNER_SALES)
    ).exists()


# --- accruals: read-only ---------------------------------------------------------------------------


def test_parent_reads_its_dealers_accruals_without_their_tax_id(
    client, api_client, parent_finance, dealer_accrual
):
    client.force_login(parent_finance)
    assert (
        client.get(reverse("rebates:accrual_detail", args=[dealer_accrual.pk])).status_code == 200
    )
    export = client.get(reverse("rebates:accrual_list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    dealer_rows = [row for row in rows[1:] if row[1] == dealer_accrual.partner.legal_name]
    assert len(dealer_rows) == 1
    assert DEALER_TAX_ID not in export.getvalue().decode("utf-8-sig")
    api_client.force_authenticate(parent_finance)
    assert api_client.get(f"/api/v1/rebates/accruals/{dealer_accrual.pk}/").status_code == 200


# --- profile summary only --------------------------------------------------------------------------


def test_parent_sees_its_dealers_profile_summary_only(client, parent_finance, dealer):
    dealer.credit_limit = Decimal("765432.00")
    dealer.save()
    client.force_login(parent_finance)
    response = client.get(reverse("partners:partner_detail", args=[dealer.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert dealer.legal_name in page
    assert DEALER_TAX_ID not in page
    assert "765,432" not in page


def test_partner_api_gives_the_parent_no_dealer_tax_id(api_client, parent_finance, dealer):
    api_client.force_authenticate(parent_finance)
    rows = {row["id"]: row for row in api_client.get("/api/v1/partners/").json()["results"]}
    assert rows[dealer.pk]["tax_id"] == ""
    assert rows[dealer.pk]["legal_name"] == dealer.legal_name
    assert rows[parent_finance.partner_id]["tax_id"] == parent_finance.partner.tax_id
    # and searching by the tax ID does not reveal it either
    found = api_client.get("/api/v1/partners/", {"search": DEALER_TAX_ID}).json()["results"]
    assert found == []


def test_parent_cannot_change_its_dealer(parent_finance, distributor, dealer):
    admin = PartnerUserFactory(partner=distributor, role=Role.PARTNER_ADMIN)
    assert list(Partner.objects.manageable_by(admin)) == [distributor]
    assert not scope_allows(admin, dealer, "manage")
    assert scope_allows(admin, dealer, "view")


# --- nothing else of theirs -------------------------------------------------------------------------


def test_parent_gets_404_for_its_dealers_scorecard(client, api_client, parent_finance, dealer):
    manager = UserFactory(role=Role.CHANNEL_MANAGER)
    dealer.channel_manager = manager
    dealer.save()
    scorecard = partner_services.scorecard_evaluate(
        partner=dealer, actor=manager, kind=ScorecardKind.ON_DEMAND, reason="Yearly"
    )
    client.force_login(parent_finance)
    url = reverse("partners:scorecard_detail", args=[scorecard.pk])
    assert client.get(url).status_code == 404
    api_client.force_authenticate(parent_finance)
    assert api_client.get(f"/api/v1/partners/scorecards/{scorecard.pk}/").status_code == 404


def test_parent_sees_no_mdf_ledger_of_its_dealer(api_client, parent_finance, dealer):
    allocation(dealer, "3000.00")
    allocation(parent_finance.partner, "1000.00")
    api_client.force_authenticate(parent_finance)
    entries = api_client.get("/api/v1/mdf/ledger/").json()["results"]
    assert [entry["partner"] for entry in entries] == [parent_finance.partner_id]
    balance = api_client.get("/api/v1/mdf/balance/", {"partner": dealer.pk}).json()
    assert balance["partner"] == parent_finance.partner_id
    assert not MdfLedgerEntry.objects.visible_to(parent_finance).filter(partner=dealer).exists()


def test_parent_gets_404_for_its_dealers_credit(client, api_client, parent_finance, dealer):
    application = CreditApplication.objects.create(
        partner=dealer,
        kind="normal",
        amount=Decimal("5000"),
        currency="CNY",
        justification="x",
        requested_by=PartnerUserFactory(partner=dealer, role=Role.PARTNER_FINANCE),
    )
    client.force_login(parent_finance)
    assert client.get(reverse("partners:credit_detail", args=[application.pk])).status_code == 404
    assert client.get(reverse("partners:credit_list"), {"partner": dealer.pk}).status_code == 404
    api_client.force_authenticate(parent_finance)
    assert api_client.get(f"/api/v1/partners/credit/{application.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("model", "parent_sees"),
    [(Partner, True), (Deal, True), (Accrual, True), (Statement, True), (FundRequest, False)],
)
def test_only_the_designs_models_open_to_the_parent(model, parent_sees):
    # DESIGN §1: profile summary, deals, accruals and statements — nothing else of the dealers'
    assert getattr(model, "scope_parent_visible", False) is parent_sees
