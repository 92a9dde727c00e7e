"""Pages for agreements, credit limits, business reports and visits: access, scoping (another
company's object is a 404), bad input (field-level message, nothing changed), query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role
from partners.choices import AgreementStatus
from partners.models import (
    Agreement,
    AgreementReview,
    BusinessReport,
    CreditApplication,
    PartnerVisit,
)

from ..factories import PartnerFactory, PartnerUserFactory, staff
from .factories import AgreementFactory, agreement_in, signed_pdf

pytestmark = pytest.mark.django_db
NOON = "T04:00:00Z"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def managed(manager, partner):
    partner.channel_manager = manager
    partner.save()
    return partner


@pytest.fixture
def own(managed):
    return agreement_in("active", partner=managed)


@pytest.fixture
def foreign(other_partner):
    return agreement_in("active", partner=other_partner)


@pytest.fixture
def legal(db):
    return staff(Role.LEGAL)


# --- agreements: access and scoping -----------------------------------------------------------


def test_agreement_list_requires_login(client):
    assert client.get(reverse("partners:agreement_list")).status_code == 302


def test_partner_admin_lists_only_own_agreements(client, partner_user, own, foreign):
    client.force_login(partner_user)
    response = client.get(reverse("partners:agreement_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [own]


def test_a_distributor_does_not_list_its_dealers_agreements(client):
    distributor = PartnerFactory(partner_type="distributor")
    dealer = PartnerFactory(parent=distributor)
    agreement_in("active", partner=dealer)
    client.force_login(PartnerUserFactory(partner=distributor))
    response = client.get(reverse("partners:agreement_list"))
    assert list(response.context["page"].object_list) == []


def test_partner_sales_has_no_agreement_pages(client, managed, own):
    client.force_login(PartnerUserFactory(partner=managed, role=Role.PARTNER_SALES))
    assert client.get(reverse("partners:agreement_list")).status_code == 403
    assert client.get(reverse("partners:agreement_detail", args=[own.pk])).status_code == 404


def test_partner_admin_reads_own_agreement_without_reviews_or_actions(
    client, partner_user, own, legal
):
    AgreementReview.objects.create(
        agreement=own, stage="legal", decision="approved", reviewer=legal, comments="internal"
    )
    client.force_login(partner_user)
    response = client.get(reverse("partners:agreement_detail", args=[own.pk]))
    assert response.status_code == 200
    assert b"internal" not in response.content
    assert b"agreement_terminate" not in response.content
    assert reverse("partners:agreement_terminate", args=[own.pk]).encode() not in response.content


@pytest.mark.parametrize("name", ["agreement_detail", "agreement_document", "agreement_edit"])
def test_another_companys_agreement_is_404_on_every_page(client, partner_user, foreign, name):
    client.force_login(partner_user)
    assert client.get(reverse(f"partners:{name}", args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "agreement_submit",
        "agreement_review",
        "agreement_sign",
        "agreement_activate",
        "agreement_terminate",
        "agreement_amend",
    ],
)
def test_partner_users_reach_no_agreement_action(client, partner_user, own, foreign, name):
    client.force_login(partner_user)
    for agreement in (own, foreign):
        assert client.post(reverse(f"partners:{name}", args=[agreement.pk])).status_code == 404
    own.refresh_from_db()
    assert own.status == AgreementStatus.ACTIVE


def test_signed_document_downloads_for_its_company_and_staff(client, partner_user, own, manager):
    for user in (partner_user, manager):
        client.force_login(user)
        response = client.get(reverse("partners:agreement_document", args=[own.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert own.number in response["Content-Disposition"]


def test_no_document_is_404(client, manager, managed):
    draft = AgreementFactory(partner=managed)
    client.force_login(manager)
    assert client.get(reverse("partners:agreement_document", args=[draft.pk])).status_code == 404


def test_agreement_list_query_count_is_fixed(client, manager, django_assert_max_num_queries):
    for _ in range(30):
        agreement_in("active", partner=PartnerFactory(channel_manager=manager))
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:agreement_list"))
    assert len(response.context["page"].object_list) == 30


def test_agreement_list_filters(client, manager, managed, time_machine):
    time_machine.move_to("2026-11-01" + NOON)
    soon = agreement_in("active", partner=managed, end_date=datetime.date(2026, 11, 20))
    agreement_in("active", partner=managed, number="AGR-LATER", end_date=datetime.date(2027, 6, 1))
    agreement_in("draft", partner=PartnerFactory(), end_date=datetime.date(2026, 11, 20))
    client.force_login(manager)
    response = client.get(reverse("partners:agreement_list"), {"expiring_within": 30, "mine": "on"})
    assert list(response.context["page"].object_list) == [soon]
    response = client.get(reverse("partners:agreement_list"), {"status": "draft"})
    assert [a.status for a in response.context["page"].object_list] == ["draft"]


def test_agreement_list_ignores_bad_filters(client, manager, own):
    client.force_login(manager)
    response = client.get(reverse("partners:agreement_list"), {"expiring_within": "abc"})
    assert response.status_code == 200
    assert "expiring_within" in response.context["listing"].filterset.form.errors


# --- agreements: forms and htmx actions -------------------------------------------------------


def test_create_an_agreement_from_the_form(client, manager, managed):
    client.force_login(manager)
    response = client.post(
        reverse("partners:agreement_create"),
        {
            "partner": managed.tax_id,
            "title": "Reseller agreement",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        },
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:agreement_detail", args=[agreement.pk])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start_date": "2026-12-31", "end_date": "2026-01-01"}, "end_date"),
        ({"start_date": "not a date"}, "start_date"),
        ({"title": ""}, "title"),
        ({"partner": "999999"}, "partner"),
    ],
)
def test_agreement_form_bad_input(client, manager, managed, data, field):
    payload = {
        "partner": managed.tax_id,
        "title": "Reseller agreement",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }
    payload.update(data)
    client.force_login(manager)
    response = client.post(reverse("partners:agreement_create"), payload)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Agreement.objects.exists()


def test_agreement_form_offers_only_managed_partners(client, manager, managed, other_partner):
    client.force_login(manager)
    response = client.post(
        reverse("partners:agreement_create"),
        {
            "partner": other_partner.tax_id,
            "title": "x",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        },
    )
    assert response.status_code == 400
    assert "partner" in response.context["form"].errors


def test_edit_a_draft_and_refuse_bad_dates(client, manager, managed):
    draft = AgreementFactory(partner=managed)
    client.force_login(manager)
    url = reverse("partners:agreement_edit", args=[draft.pk])
    bad = client.post(url, {"title": "T", "start_date": "2026-05-01", "end_date": "2026-04-01"})
    assert bad.status_code == 400
    good = client.post(url, {"title": "T2", "start_date": "2026-05-01", "end_date": "2027-04-30"})
    assert good.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "T2"


def test_edit_of_a_non_draft_shows_the_refusal(client, manager, own):
    client.force_login(manager)
    response = client.post(
        reverse("partners:agreement_edit", args=[own.pk]),
        {"title": "T", "start_date": "2026-05-01", "end_date": "2027-04-30"},
    )
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.title == "Distribution agreement"


def test_htmx_review_flow_returns_the_panel(client, manager, managed, legal):
    draft = AgreementFactory(partner=managed)
    client.force_login(manager)
    response = client.post(reverse("partners:agreement_submit", args=[draft.pk]), **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "partners/partials/agreement_panel.html"
    client.force_login(legal)
    client.post(
        reverse("partners:agreement_review", args=[draft.pk]), {"decision": "approved"}, **HTMX
    )
    client.force_login(manager)
    client.post(
        reverse("partners:agreement_review", args=[draft.pk]), {"decision": "approved"}, **HTMX
    )
    response = client.post(
        reverse("partners:agreement_sign", args=[draft.pk]),
        {"document": signed_pdf(), "signed_on": "2025-12-01"},
        **HTMX,
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.SIGNED


def test_review_form_rejection_without_comments_is_a_field_error(client, managed, legal):
    agreement = agreement_in("legal_review", partner=managed)
    client.force_login(legal)
    response = client.post(
        reverse("partners:agreement_review", args=[agreement.pk]), {"decision": "rejected"}
    )
    assert response.status_code == 400
    assert "comments" in response.context["review_form"].errors
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.LEGAL_REVIEW


def test_review_by_the_wrong_role_is_forbidden(client, manager, managed):
    agreement = agreement_in("legal_review", partner=managed)
    client.force_login(manager)
    response = client.post(
        reverse("partners:agreement_review", args=[agreement.pk]), {"decision": "approved"}
    )
    assert response.status_code == 403
    assert not AgreementReview.objects.exists()


def test_sign_form_refuses_a_disguised_file(client, manager, managed, legal):
    agreement = agreement_in("business_review", partner=managed)
    AgreementReview.objects.create(
        agreement=agreement, stage="business", decision="approved", reviewer=manager
    )
    client.force_login(manager)
    fake = SimpleUploadedFile("contract.pdf", b"<html>not a pdf</html>")
    response = client.post(
        reverse("partners:agreement_sign", args=[agreement.pk]),
        {"document": fake, "signed_on": "2025-12-01"},
    )
    assert response.status_code == 400
    assert "document" in response.context["sign_form"].errors
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.BUSINESS_REVIEW


def test_terminate_form_needs_a_reason_category(client, manager, own):
    client.force_login(manager)
    response = client.post(
        reverse("partners:agreement_terminate", args=[own.pk]), {"reason": "", "note": "x"}
    )
    assert response.status_code == 400
    assert "reason" in response.context["terminate_form"].errors
    own.refresh_from_db()
    assert own.status == AgreementStatus.ACTIVE


def test_terminate_from_the_page(client, manager, own):
    client.force_login(manager)
    response = client.post(
        reverse("partners:agreement_terminate", args=[own.pk]),
        {"reason": "insolvency", "note": "Bankruptcy filed"},
        **HTMX,
    )
    assert response.status_code == 200
    own.refresh_from_db()
    assert (own.status, own.termination_reason) == ("terminated", "insolvency")


def test_refused_transition_shows_a_message_not_an_error(client, manager, own):
    client.force_login(manager)
    response = client.post(reverse("partners:agreement_submit", args=[own.pk]), **HTMX)
    assert response.status_code == 200
    assert b"Only a draft" in response.content


def test_amend_from_the_page_redirects_to_the_new_version(client, manager, own):
    client.force_login(manager)
    response = client.post(reverse("partners:agreement_amend", args=[own.pk]), **HTMX)
    amendment = Agreement.objects.get(version=2)
    assert response["HX-Redirect"] == reverse("partners:agreement_detail", args=[amendment.pk])


# --- dashboard --------------------------------------------------------------------------------


def test_manager_dashboard_shows_own_agreements_expiring_within_90_days(
    client, manager, managed, time_machine
):
    time_machine.move_to("2026-11-01" + NOON)
    agreement_in("active", partner=managed, number="AGR-SOON", end_date=datetime.date(2026, 12, 1))
    agreement_in("active", partner=managed, number="AGR-FAR", end_date=datetime.date(2027, 6, 1))
    agreement_in(
        "active", partner=PartnerFactory(), number="AGR-ELSE", end_date=datetime.date(2026, 12, 1)
    )
    client.force_login(manager)
    response = client.get(reverse("core:dashboard"))
    assert b"AGR-SOON" in response.content
    assert b"AGR-FAR" not in response.content
    assert b"AGR-ELSE" not in response.content


def test_partner_dashboard_has_no_expiry_card(client, partner_user):
    client.force_login(partner_user)
    response = client.get(reverse("core:dashboard"))
    assert b"Agreements expiring within 90 days" not in response.content


# --- credit limits ----------------------------------------------------------------------------


@pytest.fixture
def partner_finance(managed):
    return PartnerUserFactory(partner=managed, role=Role.PARTNER_FINANCE)


def _credit(partner, user, **kwargs):
    data = {
        "partner": partner,
        "kind": "normal",
        "amount": Decimal("5000"),
        "currency": "CNY",
        "justification": "x",
        "requested_by": user,
    }
    data.update(kwargs)
    return CreditApplication.objects.create(**data)


def test_partner_finance_applies_from_the_form(client, partner_finance):
    client.force_login(partner_finance)
    response = client.post(
        reverse("partners:credit_apply"),
        {"kind": "normal", "amount": "300000", "justification": "Bigger orders"},
    )
    assert response.status_code == 302
    assert CreditApplication.objects.get().amount == Decimal("300000.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"kind": "special", "project_name": ""}, "project_name"),
        ({"justification": ""}, "justification"),
        ({"kind": "gold"}, "kind"),
    ],
)
def test_credit_form_bad_input(client, partner_finance, data, field):
    payload = {"kind": "normal", "amount": "1000", "justification": "x"}
    payload.update(data)
    client.force_login(partner_finance)
    response = client.post(reverse("partners:credit_apply"), payload)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not CreditApplication.objects.exists()


def test_credit_form_refuses_a_second_waiting_application(client, partner_finance, managed):
    _credit(managed, partner_finance)
    client.force_login(partner_finance)
    response = client.post(
        reverse("partners:credit_apply"), {"kind": "normal", "amount": "1000", "justification": "x"}
    )
    assert response.status_code == 400
    assert CreditApplication.objects.count() == 1


def test_partner_admin_cannot_apply(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("partners:credit_apply")).status_code == 403


def test_credit_list_shows_own_applications_and_exposure(
    client, partner_finance, managed, other_partner
):
    mine = _credit(managed, partner_finance)
    _credit(other_partner, PartnerUserFactory(partner=other_partner, role=Role.PARTNER_FINANCE))
    client.force_login(partner_finance)
    response = client.get(reverse("partners:credit_list"))
    assert list(response.context["page"].object_list) == [mine]
    assert response.context["exposure"]["limit"] == managed.credit_limit


def test_another_companys_credit_application_is_404(client, partner_finance, other_partner):
    foreign = _credit(
        other_partner, PartnerUserFactory(partner=other_partner, role=Role.PARTNER_FINANCE)
    )
    client.force_login(partner_finance)
    assert client.get(reverse("partners:credit_detail", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("partners:credit_withdraw", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "submitted"


def test_partner_users_cannot_decide(client, partner_finance, managed):
    application = _credit(managed, partner_finance)
    client.force_login(partner_finance)
    response = client.post(
        reverse("partners:credit_decide", args=[application.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403


def test_finance_approves_from_the_page(client, finance_user, partner_finance, managed):
    application = _credit(managed, partner_finance, amount=Decimal("777"))
    client.force_login(finance_user)
    response = client.post(
        reverse("partners:credit_decide", args=[application.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    managed.refresh_from_db()
    assert managed.credit_limit == Decimal("777.00")


def test_finance_rejection_without_note_is_a_field_error(
    client, finance_user, partner_finance, managed
):
    application = _credit(managed, partner_finance)
    client.force_login(finance_user)
    response = client.post(
        reverse("partners:credit_decide", args=[application.pk]), {"decision": "reject"}
    )
    assert response.status_code == 400
    assert "note" in response.context["decision_form"].errors
    application.refresh_from_db()
    assert application.status == "submitted"


def test_credit_list_query_count_is_fixed(client, finance_user, django_assert_max_num_queries):
    for _ in range(25):
        partner = PartnerFactory()
        _credit(partner, PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE))
    client.force_login(finance_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:credit_list"))
    assert len(response.context["page"].object_list) == 25


# --- business reports -------------------------------------------------------------------------


def _report(partner, user, **kwargs):
    data = {
        "partner": partner,
        "month": datetime.date(2026, 5, 1),
        "pipeline": "x",
        "submitted_by": user,
        "submitted_at": datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
    }
    data.update(kwargs)
    return BusinessReport.objects.create(**data)


def test_partner_submits_a_report_from_the_form(client, partner_user, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    client.force_login(partner_user)
    response = client.post(
        reverse("partners:report_create"), {"month": "2026-05", "pipeline": "8 deals"}
    )
    assert response.status_code == 302
    assert BusinessReport.objects.get().month == datetime.date(2026, 5, 1)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-09"}, "month"),
        ({"pipeline": ""}, "pipeline"),
    ],
)
def test_report_form_bad_input(client, partner_user, data, field, time_machine):
    time_machine.move_to("2026-06-03" + NOON)
    payload = {"month": "2026-05", "pipeline": "x"}
    payload.update(data)
    client.force_login(partner_user)
    response = client.post(reverse("partners:report_create"), payload)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not BusinessReport.objects.exists()


def test_another_companys_report_is_404(client, partner_user, other_partner, other_partner_user):
    foreign = _report(other_partner, other_partner_user, status="returned", review_comment="x")
    client.force_login(partner_user)
    assert client.get(reverse("partners:report_detail", args=[foreign.pk])).status_code == 404
    response = client.post(
        reverse("partners:report_resubmit", args=[foreign.pk]), {"pipeline": "hijack"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.pipeline == "x"


def test_a_manager_of_other_partners_does_not_see_the_report(client, partner_user, managed):
    report = _report(managed, partner_user)
    client.force_login(staff(Role.CHANNEL_MANAGER))
    response = client.get(reverse("partners:report_list"))
    assert list(response.context["page"].object_list) == []
    review = client.post(
        reverse("partners:report_review", args=[report.pk]), {"decision": "accept"}
    )
    assert review.status_code == 403


def test_manager_returns_a_report_from_the_page_and_partner_resubmits(
    client, manager, partner_user, managed
):
    report = _report(managed, partner_user)
    client.force_login(manager)
    bad = client.post(reverse("partners:report_review", args=[report.pk]), {"decision": "return"})
    assert bad.status_code == 400
    assert "comment" in bad.context["review_form"].errors
    client.post(
        reverse("partners:report_review", args=[report.pk]),
        {"decision": "return", "comment": "Add figures"},
    )
    report.refresh_from_db()
    assert report.status == "returned"
    client.force_login(partner_user)
    empty = client.post(reverse("partners:report_resubmit", args=[report.pk]), {"pipeline": ""})
    assert empty.status_code == 400
    client.post(reverse("partners:report_resubmit", args=[report.pk]), {"pipeline": "9 deals"})
    report.refresh_from_db()
    assert (report.status, report.pipeline) == ("submitted", "9 deals")


def test_report_list_query_count_is_fixed(client, manager, django_assert_max_num_queries):
    for _ in range(25):
        partner = PartnerFactory(channel_manager=manager)
        _report(partner, PartnerUserFactory(partner=partner))
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:report_list"))
    assert len(response.context["page"].object_list) == 25


# --- visits -----------------------------------------------------------------------------------


def test_partner_users_have_no_visit_pages(client, partner_user, manager, managed):
    visit = PartnerVisit.objects.create(
        partner=managed, manager=manager, kind="review", planned_on=datetime.date(2026, 5, 1)
    )
    client.force_login(partner_user)
    assert client.get(reverse("partners:visit_list")).status_code == 403
    assert client.get(reverse("partners:visit_detail", args=[visit.pk])).status_code == 404


def test_plan_and_record_a_visit_from_the_pages(client, manager, managed, time_machine):
    time_machine.move_to("2026-05-20" + NOON)
    client.force_login(manager)
    response = client.post(
        reverse("partners:visit_create"),
        {"partner": managed.tax_id, "kind": "review", "planned_on": "2026-05-19"},
    )
    visit = PartnerVisit.objects.get()
    assert response.status_code == 302
    bad = client.post(
        reverse("partners:visit_record", args=[visit.pk]),
        {"visited_on": "2026-06-01", "summary": ""},
    )
    assert bad.status_code == 400
    assert {"visited_on", "summary"} <= set(bad.context["record_form"].errors)
    client.post(
        reverse("partners:visit_record", args=[visit.pk]),
        {"visited_on": "2026-05-19", "summary": "Q2 review held"},
    )
    visit.refresh_from_db()
    assert visit.status == "done"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"planned_on": "x"}, "planned_on"),
        ({"kind": "party"}, "kind"),
        ({"partner": ""}, "partner"),
    ],
)
def test_visit_form_bad_input(client, manager, managed, data, field):
    payload = {"partner": managed.tax_id, "kind": "review", "planned_on": "2026-05-19"}
    payload.update(data)
    client.force_login(manager)
    response = client.post(reverse("partners:visit_create"), payload)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PartnerVisit.objects.exists()


def test_another_managers_visit_cannot_be_recorded(client, managed, manager):
    visit = PartnerVisit.objects.create(
        partner=managed, manager=manager, kind="review", planned_on=datetime.date(2026, 5, 1)
    )
    client.force_login(staff(Role.CHANNEL_MANAGER))
    response = client.post(
        reverse("partners:visit_record", args=[visit.pk]),
        {"visited_on": "2026-05-01", "summary": "x"},
    )
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == "planned"


def test_visit_page_flags_partners_without_a_meeting(
    client, manager, managed, django_assert_max_num_queries
):
    for _ in range(20):
        PartnerVisit.objects.create(
            partner=PartnerFactory(channel_manager=manager),
            manager=manager,
            kind="site",
            planned_on=datetime.date(2026, 5, 1),
        )
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:visit_list"))
    assert response.context["unmet_count"] == 21
    assert managed.legal_name.encode() in response.content


@pytest.mark.parametrize(
    ("name", "with_pk"),
    [
        ("agreement_list", False),
        ("agreement_create", False),
        ("agreement_detail", True),
        ("agreement_document", True),
        ("credit_list", False),
        ("credit_apply", False),
        ("credit_detail", True),
        ("report_list", False),
        ("report_create", False),
        ("report_detail", True),
        ("visit_list", False),
        ("visit_create", False),
        ("visit_detail", True),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, name, with_pk):
    url = reverse(f"partners:{name}", args=[1] if with_pk else [])
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_legal_dashboard_lists_agreements_waiting_for_legal_review(client, legal):
    agreement_in("legal_review", number="AGR-WAITING")
    agreement_in("business_review", number="AGR-BUSINESS")
    client.force_login(legal)
    response = client.get(reverse("core:dashboard"))
    assert b"AGR-WAITING" in response.content
    assert b"AGR-BUSINESS" not in response.content


def test_agreement_detail_query_count_does_not_grow_with_reviews_and_versions(
    client, manager, managed, legal, django_assert_max_num_queries
):
    original = agreement_in("active", partner=managed)
    for version in range(2, 8):
        agreement_in("expired", partner=managed, number=original.number, version=version)
    for _ in range(10):
        AgreementReview.objects.create(
            agreement=original, stage="legal", decision="approved", reviewer=legal
        )
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("partners:agreement_detail", args=[original.pk]))
    assert response.status_code == 200
    assert len(response.context["reviews"]) == 10
