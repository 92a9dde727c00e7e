from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from settlement.choices import StatementState
from settlement.models import Dispute, PartnerTaxProfile, Statement
from tests.factories import PartnerFactory, PartnerUserFactory, staff

from .factories import built_statement, published_statement

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client, partner):
    statement = built_statement(partner)
    for url in [
        reverse("settlement:statement_list"),
        reverse("settlement:statement_detail", args=[statement.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_finance_list_filters_with_a_fixed_query_count(
    client, finance_user, django_assert_max_num_queries
):
    # given
    for _ in range(6):
        built_statement(PartnerFactory())
    client.force_login(finance_user)
    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(reverse("settlement:statement_list"), {"state": "draft"})
    assert response.status_code == 200
    assert response.content.decode().count("ST-2026Q3-") == 6
    response = client.get(reverse("settlement:statement_list"), {"state": "paid"})
    assert "ST-2026Q3-" not in response.content.decode()


def test_bad_filter_gives_a_field_error_not_a_500(client, finance_user):
    client.force_login(finance_user)
    response = client.get(reverse("settlement:statement_list"), {"period": "Q3-2026"})
    assert response.status_code == 200
    assert 'id="error-period"' in response.content.decode()


def test_partner_sees_only_its_own_published_statements(
    client, partner, other_partner, partner_user
):
    # given
    mine = published_statement(partner)
    draft = built_statement(PartnerFactory(parent=partner))
    theirs = published_statement(other_partner)
    client.force_login(partner_user)
    # when
    listing = client.get(reverse("settlement:statement_list")).content.decode()
    # then
    assert mine.number in listing
    assert theirs.number not in listing
    assert draft.number not in listing
    assert client.get(reverse("settlement:statement_detail", args=[theirs.pk])).status_code == 404
    unpublished = built_statement(partner, period="2026Q4")
    assert (
        client.get(reverse("settlement:statement_detail", args=[unpublished.pk])).status_code == 404
    )


def test_partner_cannot_post_transitions_on_another_companys_statement(
    client, partner, other_partner_user
):
    statement = published_statement(partner)
    client.force_login(other_partner_user)
    url = reverse("settlement:statement_transition", args=[statement.pk, "confirm"])
    assert client.post(url).status_code == 404
    assert (
        client.get(reverse("settlement:statement_dispute", args=[statement.pk])).status_code == 404
    )
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_finance_walks_a_statement_through_the_pages(client, partner):
    # given
    statement = built_statement(partner)
    preparer, approver = staff(Role.FINANCE), staff(Role.CFO)
    # when
    client.force_login(preparer)
    client.post(reverse("settlement:statement_transition", args=[statement.pk, "submit"]))
    refused = client.post(
        reverse("settlement:statement_transition", args=[statement.pk, "approve"]), follow=True
    )
    client.force_login(approver)
    client.post(reverse("settlement:statement_transition", args=[statement.pk, "approve"]))
    client.post(reverse("settlement:statement_transition", args=[statement.pk, "publish"]))
    # then
    assert "You submitted this review round, so you cannot approve in it" in (
        refused.content.decode()
    )
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED
    detail = client.get(reverse("settlement:statement_detail", args=[statement.pk]))
    assert "figures cannot change" in detail.content.decode()


def test_partner_confirms_on_its_page(client, partner, partner_user):
    statement = published_statement(partner)
    client.force_login(partner_user)
    page = client.get(reverse("settlement:statement_detail", args=[statement.pk])).content.decode()
    assert "Confirm" in page
    client.post(reverse("settlement:statement_transition", args=[statement.pk, "confirm"]))
    statement.refresh_from_db()
    assert statement.state == StatementState.CONFIRMED


def test_partner_sales_cannot_see_finance_build_button(client, partner):
    client.force_login(PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES))
    response = client.get(reverse("settlement:statement_list"))
    assert "Build statements" not in response.content.decode()
    assert (
        client.post(reverse("settlement:statement_build"), {"period": "2026Q3"}).status_code == 403
    )


def test_finance_builds_a_period_from_the_page(client, finance_user, partner, committed):
    from .factories import queue_entry

    queue_entry(partner)
    client.force_login(finance_user)
    with committed():
        client.post(reverse("settlement:statement_build"), {"period": "2026Q3"})
    client.post(reverse("settlement:statement_build"), {"period": "nonsense"})
    assert Statement.objects.filter(partner=partner).count() == 1


def test_dispute_form_shows_field_errors_and_changes_nothing(client, partner, partner_user):
    statement = published_statement(partner)
    client.force_login(partner_user)
    response = client.post(
        reverse("settlement:statement_dispute", args=[statement.pk]), {"reason": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-lines"' in page
    assert 'id="error-reason"' in page
    assert not Dispute.objects.exists()
    statement.refresh_from_db()
    assert statement.state == StatementState.PUBLISHED


def test_partner_disputes_and_finance_resolves_on_the_pages(
    client, partner, partner_user, finance_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    statement = published_statement(partner)
    line = statement.lines.get()
    client.force_login(partner_user)
    evidence = SimpleUploadedFile(
        "evidence.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )
    client.post(
        reverse("settlement:statement_dispute", args=[statement.pk]),
        {"lines": [line.pk], "reason": "Accrual missing", "evidence": evidence},
    )
    dispute = Dispute.objects.get()
    assert dispute.evidence.count() == 1
    detail = reverse("settlement:statement_detail", args=[statement.pk])
    assert "Your dispute is with finance" in client.get(detail).text
    client.force_login(finance_user)
    assert "Next step: answer the open dispute below" in client.get(detail).text
    client.post(
        reverse("settlement:dispute_resolve", args=[dispute.pk]),
        {"answer": "Added next quarter", "adjustment_amount": "25.00"},
    )
    dispute.refresh_from_db()
    assert dispute.state == "resolved"
    # The statement stays disputed until paid, and each side is told the next step
    assert (
        "Every dispute is answered. Next step: mark the statement paid" in client.get(detail).text
    )
    client.force_login(partner_user)
    assert "Finance answered your dispute" in client.get(detail).text
    # and the dispute form cannot be opened again
    again = client.get(reverse("settlement:statement_dispute", args=[statement.pk]))
    assert again.status_code == 302 and again["Location"] == detail


@pytest.mark.parametrize(("language", "tax_label"), [("en", "Tax rate"), ("zh-hans", "税率")])
def test_detail_shows_money_with_separators_and_the_tax_rate_as_a_percentage(
    client, finance_user, language, tax_label
):
    partner = PartnerFactory(contract_currency="CNY")
    PartnerTaxProfile.objects.create(partner=partner, tax_rate=Decimal("0.05"))
    statement = built_statement(partner, "1307000.00")
    finance_user.language = language
    finance_user.save(update_fields=["language"])
    client.force_login(finance_user)

    page = client.get(reverse("settlement:statement_detail", args=[statement.pk])).content.decode()

    assert "CNY 1,307,000.00" in page
    assert "CNY 65,350.00" in page  # the tax
    assert "CNY 1,241,650.00" in page  # payable
    assert tax_label in page and "5.00 %" in page
    assert "1307000.00" not in page and "0.0500" not in page
