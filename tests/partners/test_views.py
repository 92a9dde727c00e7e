from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from partners.choices import ApplicationStatus, PartnerStatus, PartnerType
from partners.models import Partner, PartnerApplication

from ..factories import PartnerFactory, PartnerUserFactory, staff, tier
from .factories import PartnerApplicationFactory, credit_code, licence_pdf

pytestmark = pytest.mark.django_db


# --- directory --------------------------------------------------------------------------------


def test_directory_requires_login(client):
    response = client.get(reverse("partners:partner_list"))
    assert response.status_code == 302


def test_directory_refused_to_partner_users(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("partners:partner_list")).status_code == 403


def test_directory_filters_by_tier_type_status_region_manager(client, manager):
    wanted = PartnerFactory(
        tier=tier("gold"),
        partner_type=PartnerType.DISTRIBUTOR,
        regions=["CN-BJ"],
        channel_manager=manager,
        legal_name="Wanted Ltd",
    )
    PartnerFactory(tier=tier("gold"), regions=["CN-SH"], legal_name="Other region Ltd")
    PartnerFactory(status=PartnerStatus.FROZEN, regions=["CN-BJ"], legal_name="Frozen Ltd")
    client.force_login(manager)
    response = client.get(
        reverse("partners:partner_list"),
        {
            "tier": "gold",
            "partner_type": "distributor",
            "status": "active",
            "region": "CN-BJ",
            "manager": manager.pk,
        },
    )
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [wanted]


def test_directory_query_count_is_fixed(client, manager, django_assert_max_num_queries):
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    for _ in range(30):
        PartnerFactory(parent=distributor, channel_manager=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:partner_list"))
    assert response.status_code == 200


def test_bad_filter_value_is_not_a_500(client, manager):
    client.force_login(manager)
    response = client.get(reverse("partners:partner_list"), {"manager": "abc", "tier": "x"})
    assert response.status_code == 200


# --- profile ----------------------------------------------------------------------------------


def test_partner_user_gets_404_for_another_company(client, partner_user, other_partner):
    client.force_login(partner_user)
    response = client.get(reverse("partners:partner_detail", args=[other_partner.pk]))
    assert response.status_code == 404


def test_distributor_sees_its_dealer_read_only(client):
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    dealer_colleague = PartnerUserFactory(partner=dealer, role=Role.PARTNER_SALES)
    admin = PartnerUserFactory(partner=distributor, role=Role.PARTNER_ADMIN)
    client.force_login(admin)
    response = client.get(reverse("partners:partner_detail", args=[dealer.pk]))
    assert response.status_code == 200
    assert "users" not in response.context
    assert dealer_colleague.email not in response.content.decode()
    assert not response.context["manages_users"]
    # and cannot act on the dealer's users
    response = client.post(reverse("partners:user_deactivate", args=[dealer_colleague.pk]))
    assert response.status_code == 404


def test_dealer_cannot_see_its_distributor(client):
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(parent=distributor)
    client.force_login(PartnerUserFactory(partner=dealer))
    assert client.get(reverse("partners:partner_detail", args=[distributor.pk])).status_code == 404


def test_my_company_shows_users_to_partner_admin(client, partner, partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(partner_user)
    response = client.get(reverse("partners:my_company"))
    assert response.status_code == 200
    assert colleague.email in response.content.decode()
    assert response.context["manages_users"]


def test_my_company_hides_users_from_partner_sales(client, partner):
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(sales)
    response = client.get(reverse("partners:my_company"))
    assert response.status_code == 200
    assert "users" not in response.context


def test_my_company_is_404_for_staff(client, manager):
    client.force_login(manager)
    assert client.get(reverse("partners:my_company")).status_code == 404


def test_edit_parent_must_be_distributor_field_error(client, admin_user, partner):
    reseller = PartnerFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("partners:partner_edit", args=[partner.pk]),
        {
            "legal_name": partner.legal_name,
            "country": "CN",
            "partner_type": partner.partner_type,
            "regions": ["CN-SH"],
            "parent": reseller.pk,
            "contract_currency": "CNY",
            "credit_limit": "100",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    partner.refresh_from_db()
    assert partner.parent is None


def test_edit_saves_profile(client, admin_user, partner):
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    client.force_login(admin_user)
    response = client.post(
        reverse("partners:partner_edit", args=[partner.pk]),
        {
            "legal_name": "Renamed Ltd",
            "country": "CN",
            "partner_type": partner.partner_type,
            "regions": ["CN-SH", "CN-JS"],
            "parent": distributor.pk,
            "contract_currency": "CNY",
            "credit_limit": "2500.00",
            "specializations": "retail, finance",
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.legal_name == "Renamed Ltd"
    assert partner.parent == distributor
    assert partner.specializations == ["retail", "finance"]


def test_edit_refused_to_manager_not_owning_partner(client, manager, partner):
    client.force_login(manager)
    assert client.get(reverse("partners:partner_edit", args=[partner.pk])).status_code == 404


def test_edit_is_404_for_partner_users(client, partner_user, partner):
    client.force_login(partner_user)
    assert client.get(reverse("partners:partner_edit", args=[partner.pk])).status_code == 404


# --- company users ----------------------------------------------------------------------------


def test_partner_admin_invites_user(client, partner, partner_user):
    client.force_login(partner_user)
    response = client.post(
        reverse("partners:user_invite"),
        {"email": "new@company.example", "full_name": "New", "role": Role.PARTNER_FINANCE},
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@company.example").partner == partner


def test_invite_with_existing_email_is_field_error(client, partner_user, other_partner_user):
    client.force_login(partner_user)
    count = User.objects.count()
    response = client.post(
        reverse("partners:user_invite"),
        {"email": other_partner_user.email, "full_name": "X", "role": Role.PARTNER_SALES},
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert User.objects.count() == count


def test_invite_with_staff_role_is_field_error(client, partner_user):
    client.force_login(partner_user)
    response = client.post(
        reverse("partners:user_invite"),
        {"email": "a@b.example", "full_name": "X", "role": Role.ADMIN},
    )
    assert "role" in response.context["form"].errors


def test_partner_sales_cannot_invite(client, partner):
    client.force_login(PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES))
    assert client.get(reverse("partners:user_invite")).status_code == 403


def test_partner_admin_deactivates_and_changes_role(client, partner, partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    client.force_login(partner_user)
    client.post(reverse("partners:user_role", args=[colleague.pk]), {"role": Role.PARTNER_FINANCE})
    client.post(reverse("partners:user_deactivate", args=[colleague.pk]))
    colleague.refresh_from_db()
    assert colleague.role == Role.PARTNER_FINANCE
    assert not colleague.is_active


def test_partner_admin_gets_404_for_other_company_user(client, partner_user, other_partner_user):
    client.force_login(partner_user)
    for name in ("user_role", "user_deactivate"):
        response = client.post(
            reverse(f"partners:{name}", args=[other_partner_user.pk]), {"role": Role.PARTNER_SALES}
        )
        assert response.status_code == 404
    other_partner_user.refresh_from_db()
    assert other_partner_user.is_active and other_partner_user.role == Role.PARTNER_ADMIN


# --- public application -----------------------------------------------------------------------


def _form(**overrides):
    data = {
        "legal_name": "Prospect Co., Ltd.",
        "tax_id": credit_code(5),
        "country": "CN",
        "regions": ["CN-SH", "CN-JS"],
        "partner_type": "reseller",
        "business_scope": "Networks",
        "contact_name": "Li Wei",
        "contact_email": "li@prospect.example",
        "contact_phone": "123",
        "revenue_band": "1m-5m",
        "technical_staff": "4",
        "business_licence": licence_pdf(),
    }
    data.update(overrides)
    return data


def test_public_form_is_open_without_login(client):
    assert client.get(reverse("partners:apply")).status_code == 200


def test_public_application_is_recorded_with_referral(client):
    referrer = PartnerFactory(tax_id=credit_code(9))
    response = client.post(reverse("partners:apply"), _form(referral_tax_id=referrer.tax_id))
    assert response.status_code == 302
    application = PartnerApplication.objects.get()
    assert application.referred_by == referrer
    assert application.regions == ["CN-SH", "CN-JS"]
    assert application.business_licence.name


def test_chinese_tax_id_with_wrong_check_digit_is_field_error(client):
    code = credit_code(5)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post(reverse("partners:apply"), _form(tax_id=wrong))
    assert response.status_code == 200
    assert "tax_id" in response.context["form"].errors
    assert not PartnerApplication.objects.exists()


def test_other_country_tax_id_is_free_text(client):
    response = client.post(reverse("partners:apply"), _form(country="DE", tax_id="DE811234567"))
    assert response.status_code == 302


def test_second_open_application_gets_a_clear_message(client):
    PartnerApplicationFactory(tax_id=credit_code(5))
    response = client.post(reverse("partners:apply"), _form())
    assert response.status_code == 200
    assert "already being processed" in str(response.context["form"].errors["tax_id"])
    assert PartnerApplication.objects.count() == 1


def test_licence_of_a_wrong_type_is_field_error(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "licence.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = client.post(reverse("partners:apply"), _form(business_licence=fake))
    assert "business_licence" in response.context["form"].errors
    assert not PartnerApplication.objects.exists()


# --- staff pipeline pages ---------------------------------------------------------------------


def test_application_pages_refused_to_partner_users(client, partner_user):
    application = PartnerApplicationFactory()
    client.force_login(partner_user)
    assert client.get(reverse("partners:application_list")).status_code == 403
    assert (
        client.get(reverse("partners:application_detail", args=[application.pk])).status_code == 403
    )
    assert (
        client.post(reverse("partners:application_advance", args=[application.pk])).status_code
        == 403
    )


def test_application_list_query_count(client, manager, django_assert_max_num_queries):
    referrer = PartnerFactory()
    for _ in range(20):
        PartnerApplicationFactory(referred_by=referrer)
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:application_list"), {"status": "submitted"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20


def test_staff_walks_application_to_active_partner(client, manager):
    application = PartnerApplicationFactory()
    client.force_login(manager)
    advance = reverse("partners:application_advance", args=[application.pk])
    client.post(advance, {"note": "Looks good"})
    client.post(advance)
    response = client.post(
        reverse("partners:application_assess", args=[application.pk]),
        {"qualification": 80, "business": 75, "resources": 60, "willingness": 90, "report": "ok"},
    )
    assert response.status_code == 302
    for _ in range(3):
        client.post(advance)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACTIVE
    assert Partner.objects.filter(tax_id=application.tax_id).exists()
    response = client.get(reverse("partners:application_detail", args=[application.pk]))
    assert response.status_code == 200


def test_assessment_score_out_of_range_is_field_error(client, manager):
    application = PartnerApplicationFactory(status=ApplicationStatus.ASSESSMENT)
    client.force_login(manager)
    response = client.post(
        reverse("partners:application_assess", args=[application.pk]),
        {"qualification": 101, "business": 75, "resources": 60, "willingness": 90},
    )
    assert response.status_code == 400
    assert "qualification" in response.context["assessment_form"].errors
    application.refresh_from_db()
    assert application.score_qualification is None


def test_reject_without_reason_is_field_error(client, manager):
    application = PartnerApplicationFactory()
    client.force_login(manager)
    response = client.post(reverse("partners:application_reject", args=[application.pk]), {})
    assert response.status_code == 400
    assert "reason" in response.context["reject_form"].errors
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- freezing pages ---------------------------------------------------------------------------


def test_owning_manager_freezes_and_two_staff_unfreeze(client, manager, partner):
    partner.channel_manager = manager
    partner.save()
    client.force_login(manager)
    client.post(reverse("partners:partner_freeze", args=[partner.pk]), {"reason": "Data leak"})
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.FROZEN
    detail = client.get(reverse("partners:partner_detail", args=[partner.pk]))
    assert detail.context["freeze"] is not None
    client.post(reverse("partners:partner_unfreeze", args=[partner.pk]))
    client.post(reverse("partners:partner_unfreeze", args=[partner.pk]))
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.FROZEN
    client.force_login(staff(Role.CHANNEL_DIRECTOR))
    client.post(reverse("partners:partner_unfreeze", args=[partner.pk]))
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE


def test_manager_cannot_freeze_partner_not_owned(client, manager, partner):
    client.force_login(manager)
    response = client.post(reverse("partners:partner_freeze", args=[partner.pk]), {"reason": "x"})
    assert response.status_code == 404
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE


def test_partner_user_cannot_freeze(client, partner_user, partner):
    client.force_login(partner_user)
    response = client.post(reverse("partners:partner_freeze", args=[partner.pk]), {"reason": "x"})
    assert response.status_code == 404


def test_record_violation_with_evidence(client, admin_user, partner):
    client.force_login(admin_user)
    response = client.post(
        reverse("partners:violation_create", args=[partner.pk]),
        {
            "kind": "data_leak",
            "description": "Customer list shared",
            "penalty": "1000.00",
            "evidence": licence_pdf("evidence.pdf"),
        },
    )
    assert response.status_code == 302
    violation = partner.violations.get()
    assert violation.evidence.name and str(violation.penalty) == "1000.00"


def test_violation_negative_penalty_is_field_error(client, admin_user, partner):
    client.force_login(admin_user)
    response = client.post(
        reverse("partners:violation_create", args=[partner.pk]),
        {"kind": "other", "description": "x", "penalty": "-1"},
    )
    assert response.status_code == 400
    assert "penalty" in response.context["form"].errors
    assert not partner.violations.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_finance_sees_the_credit_limit_with_its_currency_first_and_separators(client, language):
    partner = PartnerFactory(contract_currency="JPY", credit_limit=Decimal("12500000"))
    finance = staff(Role.FINANCE)
    finance.language = language
    finance.save(update_fields=["language"])
    client.force_login(finance)

    page = client.get(reverse("partners:partner_detail", args=[partner.pk])).content.decode()

    assert "JPY 12,500,000" in page
    assert "12500000" not in page
