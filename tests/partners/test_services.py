from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.choices import Role
from accounts.models import User
from core.models import AuditEvent, Notification
from partners import services
from partners.choices import (
    ApplicationStatus,
    PartnerStatus,
    PartnerType,
    ViolationKind,
    ViolationStatus,
)
from partners.models import ApplicationTransition, Partner, PartnerApplication

from ..factories import PartnerFactory, PartnerUserFactory, staff
from .factories import PartnerApplicationFactory, credit_code, licence_pdf

pytestmark = pytest.mark.django_db


# --- parent rules -----------------------------------------------------------------------------


def test_dealer_parent_must_be_a_distributor(partner, admin_user):
    reseller = PartnerFactory(partner_type=PartnerType.RESELLER)
    with pytest.raises(ValidationError) as exc:
        services.partner_update(partner=partner, actor=admin_user, parent=reseller)
    assert "parent" in exc.value.message_dict
    partner.refresh_from_db()
    assert partner.parent is None


def test_dealer_under_a_distributor_is_accepted_and_audited(partner, admin_user):
    distributor = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    services.partner_update(partner=partner, actor=admin_user, parent=distributor)
    partner.refresh_from_db()
    assert partner.parent == distributor
    event = AuditEvent.objects.get(action="partner.updated", object_id=str(partner.pk))
    assert event.changes["parent"] == {"before": None, "after": distributor.pk}


def test_no_third_level(admin_user):
    top = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    middle = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR, parent=top)
    dealer = PartnerFactory()
    with pytest.raises(ValidationError):
        services.partner_update(partner=dealer, actor=admin_user, parent=middle)


def test_a_distributor_with_dealers_cannot_get_a_parent(admin_user):
    top = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    other = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    PartnerFactory(parent=other)
    with pytest.raises(ValidationError):
        services.partner_update(partner=other, actor=admin_user, parent=top)


def test_no_cycle_through_own_dealer(admin_user):
    top = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    dealer = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR, parent=top)
    with pytest.raises(ValidationError):
        services.partner_update(partner=top, actor=admin_user, parent=dealer)


def test_partner_cannot_be_its_own_parent(admin_user):
    top = PartnerFactory(partner_type=PartnerType.DISTRIBUTOR)
    with pytest.raises(ValidationError):
        services.partner_update(partner=top, actor=admin_user, parent=top)


# --- users of a company -----------------------------------------------------------------------


def test_invite_creates_user_without_password_and_emails_a_set_link(
    partner, partner_user, committed
):
    with committed():
        user = services.partner_user_invite(
            partner=partner,
            email="New@Example.com",
            full_name="New Person",
            role=Role.PARTNER_SALES,
            actor=partner_user,
        )
    assert user.email == "new@example.com"
    assert user.partner == partner and user.role == Role.PARTNER_SALES
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    site = settings.PRM_SITE_URL
    # One host, then the path: the invitation's link is absolute already and is not prefixed again.
    assert f"{site}/accounts/reset/" in body
    assert f"{site}http" not in body
    assert AuditEvent.objects.filter(action="partner_user.invited", partner=partner).exists()


def test_invite_refuses_a_staff_role(partner, partner_user):
    with pytest.raises(ValidationError):
        services.partner_user_invite(
            partner=partner,
            email="x@example.com",
            full_name="X",
            role=Role.ADMIN,
            actor=partner_user,
        )
    assert not User.objects.filter(email="x@example.com").exists()


def test_invite_refuses_an_existing_email(partner, partner_user):
    with pytest.raises(ValidationError):
        services.partner_user_invite(
            partner=partner,
            email=partner_user.email.upper(),
            full_name="X",
            role=Role.PARTNER_SALES,
            actor=partner_user,
        )


def test_deactivate_company_user(partner, partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    services.partner_user_deactivate(partner=partner, user=colleague, actor=partner_user)
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert AuditEvent.objects.filter(action="partner_user.deactivated").exists()


def test_cannot_deactivate_another_companys_user(partner, partner_user, other_partner_user):
    with pytest.raises(ValidationError):
        services.partner_user_deactivate(
            partner=partner, user=other_partner_user, actor=partner_user
        )
    other_partner_user.refresh_from_db()
    assert other_partner_user.is_active


def test_cannot_deactivate_oneself(partner, partner_user):
    with pytest.raises(ValidationError):
        services.partner_user_deactivate(partner=partner, user=partner_user, actor=partner_user)


def test_role_change_among_partner_roles(partner, partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    services.partner_user_role_change(
        partner=partner, user=colleague, role=Role.PARTNER_FINANCE, actor=partner_user
    )
    colleague.refresh_from_db()
    assert colleague.role == Role.PARTNER_FINANCE
    event = AuditEvent.objects.get(action="partner_user.role_changed")
    assert event.changes["role"] == {"before": "partner_sales", "after": "partner_finance"}


def test_role_change_to_staff_role_refused(partner, partner_user):
    colleague = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    with pytest.raises(ValidationError):
        services.partner_user_role_change(
            partner=partner, user=colleague, role=Role.FINANCE, actor=partner_user
        )
    colleague.refresh_from_db()
    assert colleague.role == Role.PARTNER_SALES


# --- applications -----------------------------------------------------------------------------


def _application_data(**overrides) -> dict:
    data = {
        "legal_name": "Prospect Co., Ltd.",
        "tax_id": credit_code(77),
        "country": "CN",
        "regions": ["CN-SH"],
        "partner_type": PartnerType.RESELLER,
        "business_scope": "Networks",
        "contact_name": "Li Wei",
        "contact_email": "li@prospect.example",
        "contact_phone": "123",
        "revenue_band": "1m-5m",
        "technical_staff": 3,
        "business_licence": licence_pdf(),
    }
    data.update(overrides)
    return data


def test_submit_notifies_channel_staff(manager):
    application = services.application_submit(data=_application_data())
    assert application.status == ApplicationStatus.SUBMITTED
    assert Notification.objects.filter(
        recipient=manager, kind="partner.application_submitted"
    ).exists()
    assert AuditEvent.objects.filter(action="application.submitted").exists()


def test_second_open_application_with_same_tax_id_refused():
    services.application_submit(data=_application_data())
    with pytest.raises(ValidationError) as exc:
        services.application_submit(data=_application_data(contact_email="b@x.example"))
    assert "tax_id" in exc.value.message_dict
    assert PartnerApplication.objects.count() == 1


def test_database_refuses_two_open_applications_with_same_tax_id():
    first = PartnerApplicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerApplicationFactory(tax_id=first.tax_id)


def test_new_application_allowed_after_rejection(manager):
    first = PartnerApplicationFactory()
    services.application_reject(application=first, actor=manager, reason="Too small")
    second = services.application_submit(data=_application_data(tax_id=first.tax_id))
    assert second.pk != first.pk


def _advance_to(application, status, actor):
    while application.status != status:
        if application.status == ApplicationStatus.ASSESSMENT:
            services.application_assess(
                application=application,
                actor=actor,
                qualification=80,
                business=70,
                resources=60,
                willingness=90,
            )
        application = services.application_advance(application=application, actor=actor)
    return application


def test_pipeline_records_who_and_when_for_each_step(manager):
    application = _advance_to(PartnerApplicationFactory(), ApplicationStatus.SIGNING, manager)
    steps = list(
        ApplicationTransition.objects.filter(application=application).values_list(
            "to_status", "actor"
        )
    )
    assert steps == [
        ("screening", manager.pk),
        ("assessment", manager.pk),
        ("negotiation", manager.pk),
        ("signing", manager.pk),
    ]
    assert AuditEvent.objects.filter(action="application.negotiation", actor=manager).exists()


def test_leaving_assessment_needs_the_scores(manager):
    application = _advance_to(PartnerApplicationFactory(), ApplicationStatus.ASSESSMENT, manager)
    with pytest.raises(ValidationError):
        services.application_advance(application=application, actor=manager)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ASSESSMENT


@pytest.mark.parametrize("bad", [-1, 101])
def test_scores_outside_0_100_refused(manager, bad):
    application = _advance_to(PartnerApplicationFactory(), ApplicationStatus.ASSESSMENT, manager)
    with pytest.raises(ValidationError):
        services.application_assess(
            application=application,
            actor=manager,
            qualification=bad,
            business=1,
            resources=1,
            willingness=1,
        )
    application.refresh_from_db()
    assert application.score_qualification is None


def test_scores_only_during_assessment(manager):
    application = PartnerApplicationFactory()
    with pytest.raises(ValidationError):
        services.application_assess(
            application=application,
            actor=manager,
            qualification=1,
            business=1,
            resources=1,
            willingness=1,
        )


def test_reject_needs_a_reason(manager):
    application = PartnerApplicationFactory()
    with pytest.raises(ValidationError):
        services.application_reject(application=application, actor=manager, reason="  ")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_reject_at_any_step_keeps_reason(manager):
    application = _advance_to(PartnerApplicationFactory(), ApplicationStatus.NEGOTIATION, manager)
    services.application_reject(application=application, actor=manager, reason="Terms refused")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "Terms refused"


def test_closed_application_cannot_move(manager):
    application = PartnerApplicationFactory()
    services.application_reject(application=application, actor=manager, reason="No")
    with pytest.raises(ValidationError):
        services.application_advance(application=application, actor=manager)


def test_activation_creates_registered_partner_and_invites_admin(manager, committed):
    referrer = PartnerFactory()
    application = PartnerApplicationFactory(referred_by=referrer, regions=["CN-BJ", "CN-TJ"])
    with committed():
        application = _advance_to(application, ApplicationStatus.ACTIVE, manager)
    partner = application.partner
    assert partner.tier.code == "registered"
    assert partner.tax_id == application.tax_id and partner.regions == ["CN-BJ", "CN-TJ"]
    assert partner.channel_manager == manager
    admin = User.objects.get(email=application.contact_email)
    assert admin.partner == partner and admin.role == Role.PARTNER_ADMIN
    assert not admin.has_usable_password()
    assert any(admin.email in m.to for m in mail.outbox)
    assert application.referred_by == referrer


# --- compliance and freezing ------------------------------------------------------------------


def test_violation_draft_for_other_apps_notifies_manager(partner, manager):
    partner.channel_manager = manager
    partner.save()
    violation = services.compliance_violation_draft_create(
        partner=partner, kind=ViolationKind.CROSS_REGION, description="Deal outside territory"
    )
    assert violation.status == ViolationStatus.DRAFT
    assert violation.recorded_by is None
    assert Notification.objects.filter(recipient=manager, kind="partner.violation_draft").exists()


def test_violation_with_penalty_and_close(partner, manager):
    violation = services.compliance_violation_create(
        partner=partner,
        kind=ViolationKind.BELOW_FLOOR,
        description="Sold at 40% off",
        penalty=Decimal("5000.00"),
        actor=manager,
    )
    assert violation.status == ViolationStatus.OPEN
    services.compliance_violation_set_status(violation=violation, status="closed", actor=manager)
    violation.refresh_from_db()
    assert violation.closed_at is not None
    with pytest.raises(ValidationError):
        services.compliance_violation_set_status(violation=violation, status="open", actor=manager)


def test_freeze_sets_status_and_audits(partner, manager):
    services.partner_freeze(partner=partner, actor=manager, reason="Bribery suspicion")
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.FROZEN
    assert AuditEvent.objects.filter(action="partner.frozen", partner=partner).exists()


def test_freeze_needs_a_reason_and_an_active_partner(partner, manager):
    with pytest.raises(ValidationError):
        services.partner_freeze(partner=partner, actor=manager, reason="")
    services.partner_freeze(partner=partner, actor=manager, reason="x")
    with pytest.raises(ValidationError):
        services.partner_freeze(partner=partner, actor=manager, reason="again")


def test_unfreeze_needs_two_distinct_approvals(partner, manager):
    director = staff(Role.CHANNEL_DIRECTOR)
    services.partner_freeze(partner=partner, actor=manager, reason="x")
    services.partner_unfreeze_approve(partner=partner, actor=manager)
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.FROZEN
    with pytest.raises(ValidationError):
        services.partner_unfreeze_approve(partner=partner, actor=manager)
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.FROZEN
    services.partner_unfreeze_approve(partner=partner, actor=director)
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.ACTIVE
    assert AuditEvent.objects.filter(action="partner.unfrozen", actor=director).exists()


def test_unfreeze_of_active_partner_refused(partner, manager):
    with pytest.raises(ValidationError):
        services.partner_unfreeze_approve(partner=partner, actor=manager)


def test_freeze_cuts_sessions_and_tokens_on_next_request(
    client, api_client, partner, partner_user, manager
):
    from rest_framework.authtoken.models import Token

    client.force_login(partner_user)
    token = Token.objects.create(user=partner_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/partners/my-company/").status_code == 200
    assert api_client.get("/api/v1/partners/").status_code == 200

    services.partner_freeze(partner=partner, actor=manager, reason="Data leak")

    assert client.get("/partners/my-company/").status_code == 403
    assert client.get("/partners/my-company/").status_code == 302  # signed out
    assert api_client.get("/api/v1/partners/").status_code in (401, 403)
    assert Partner.objects.get(pk=partner.pk).status == PartnerStatus.FROZEN
