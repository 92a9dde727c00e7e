"""The Django admin obeys the rules (DESIGN §1): governed records are read-only there, and every
configuration change made there, and every object-permission grant, writes an audit row."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db.models.fields.files import FieldFile
from django.forms import MultiWidget
from django.test import RequestFactory
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from guardian.shortcuts import get_perms
from rest_framework.authtoken.models import Token

from accounts.choices import Role
from accounts.models import User
from core.admin import AuditedAdmin
from core.models import AuditEvent, FxRate
from funds.defaults import ensure_default_matrix
from funds.models import ApprovalRule
from partners.choices import PartnerStatus
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory, staff, tier
from tests.training.factories import CourseFactory, ModuleFactory

pytestmark = pytest.mark.django_db

# Configuration edited in the admin, each save and delete audited. Every other registered model
# must be read-only: a model registered without a decision fails `test_every_admin_model_...`.
CONFIGURATION = {
    "accounts.User",  # staff accounts; roles, company and permissions read-only once created
    "authtoken.TokenProxy",  # revoking a token
    "axes.AccessAttempt",  # lifting a sign-in lockout
    "core.FxRate",  # adding a rate (never changing one)
    "django_celery_beat.ClockedSchedule",
    "django_celery_beat.CrontabSchedule",
    "django_celery_beat.IntervalSchedule",
    "django_celery_beat.PeriodicTask",
    "django_celery_beat.SolarSchedule",
    "funds.ApprovalRule",  # the MDF approval matrix
    "inventory.FamilyAlertLimit",  # days-of-inventory limits per product family
    "partners.Tier",
    "training.Course",
    "training.Exam",
    "training.Question",
}
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def superuser(db):
    return UserFactory(role=Role.ADMIN, is_superuser=True, email="root@vendor.example")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_the_configuration_list_names_only_registered_models():
    assert {model._meta.label for model, _ in REGISTERED} >= CONFIGURATION


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED]
)
def test_every_admin_model_is_read_only_or_audited_configuration(model, model_admin, superuser):
    if model._meta.label in CONFIGURATION:
        assert isinstance(model_admin, AuditedAdmin)
        return
    request = _request(superuser)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.get_actions(request)


def _put(data: dict, form, name: str) -> None:
    """Post one field's current value the way its widget reads it back."""
    value = form[name].value()
    # An unchanged file is kept by not posting it; an unticked box is not posted at all.
    if value is None or value is False or isinstance(value, FieldFile):
        return
    widget = form.fields[name].widget
    if isinstance(widget, MultiWidget):
        for index, part in enumerate(widget.decompress(value)):
            data[f"{form.add_prefix(name)}_{index}"] = "" if part is None else part
    else:
        data[form.add_prefix(name)] = value


def _form_data(response, **overrides) -> dict:
    """What the admin's change form would post back unchanged, with `overrides` applied."""
    data: dict = {}
    form = response.context["adminform"].form
    for name in form.fields:
        _put(data, form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                _put(data, inline_form, name)
    data.update(overrides)
    return data


def _change(admin_client, url: str, **overrides):
    return admin_client.post(url, _form_data(admin_client.get(url), **overrides))


# --- governed records: read-only ----------------------------------------------------------------


def test_a_frozen_partner_cannot_be_saved_active_or_given_credit_in_the_admin(admin_client):
    # given a frozen partner
    partner = PartnerFactory(status=PartnerStatus.FROZEN, credit_limit=Decimal("1000.00"))
    url = f"/admin/partners/partner/{partner.pk}/change/"
    # when an administrator posts it as active with a larger credit limit and another tier
    page = admin_client.get(url)
    response = admin_client.post(
        url,
        {
            "legal_name": partner.legal_name,
            "status": PartnerStatus.ACTIVE,
            "credit_limit": "9999999.00",
            "tier": tier("gold").pk,
        },
    )
    # then the page was view-only, the post is refused and nothing changed
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.FROZEN
    assert partner.credit_limit == Decimal("1000.00")
    assert partner.tier.code == "silver"


def test_a_users_role_and_company_stay_as_they_are_in_the_admin(admin_client):
    # given a partner sales user
    user = PartnerUserFactory(role=Role.PARTNER_SALES)
    url = f"/admin/accounts/user/{user.pk}/change/"
    # when an administrator posts a new role, superuser flag and name
    response = _change(
        admin_client, url, role=Role.ADMIN, is_superuser="on", full_name="Renamed Person"
    )
    # then only the name changed, and that change is audited with before and after
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == Role.PARTNER_SALES and not user.is_superuser
    assert user.full_name == "Renamed Person"
    event = AuditEvent.objects.get(action="user.changed")
    assert set(event.changes) == {"full_name"}
    assert event.changes["full_name"]["after"] == "Renamed Person"


def test_a_new_account_in_the_admin_is_a_staff_account_and_audited(admin_client):
    url = "/admin/accounts/user/add/"
    data = {
        "email": "new.finance@vendor.example",
        "full_name": "New Finance",
        "password1": "a-long-enough-password-1",
        "password2": "a-long-enough-password-1",
    }
    refused = admin_client.post(url, data | {"role": Role.PARTNER_ADMIN})
    assert refused.status_code == 200 and "role" in refused.context["adminform"].form.errors
    created = admin_client.post(url, data | {"role": Role.FINANCE})
    assert created.status_code == 302
    user = User.objects.get(email="new.finance@vendor.example")
    event = AuditEvent.objects.get(action="user.created")
    assert event.object_id == str(user.pk) and event.changes["role"]["after"] == Role.FINANCE
    assert "password" not in event.changes


# --- configuration: audited --------------------------------------------------------------------


def test_changing_a_tier_in_the_admin_writes_an_audit_row(admin_client, superuser):
    gold = tier("gold")
    before = gold.mdf_rate
    response = _change(admin_client, f"/admin/partners/tier/{gold.pk}/change/", mdf_rate="0.0450")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="tier.changed")
    assert event.actor == superuser and event.object_id == str(gold.pk)
    assert event.changes == {"mdf_rate": {"before": str(before), "after": "0.0450"}}


def test_changing_the_mdf_approval_matrix_in_the_admin_writes_an_audit_row(admin_client):
    ensure_default_matrix(ApprovalRule)
    rule = ApprovalRule.objects.filter(max_amount_cny__isnull=False).order_by("max_amount_cny")[0]
    response = _change(
        admin_client,
        f"/admin/funds/approvalrule/{rule.pk}/change/",
        max_amount_cny="12000.00",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="approvalrule.changed")
    assert event.changes["max_amount_cny"]["after"] == "12000.00"


def test_deleting_an_approval_row_in_the_admin_is_audited(admin_client):
    ensure_default_matrix(ApprovalRule)
    rule = ApprovalRule.objects.filter(max_amount_cny__isnull=False).order_by("max_amount_cny")[0]
    response = admin_client.post(f"/admin/funds/approvalrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ApprovalRule.objects.filter(pk=rule.pk).exists()
    event = AuditEvent.objects.get(action="approvalrule.deleted")
    assert event.changes["max_amount_cny"]["before"] == str(rule.max_amount_cny)


def test_adding_an_fx_rate_in_the_admin_is_audited_and_rates_are_never_edited(
    admin_client, superuser
):
    response = admin_client.post(
        "/admin/core/fxrate/add/",
        {"base_currency": "USD", "quote_currency": "CNY", "rate_date": "2026-09-30", "rate": "7.1"},
    )
    assert response.status_code == 302
    rate = FxRate.objects.get()
    after = AuditEvent.objects.get(action="fxrate.created").changes["rate"]["after"]
    assert Decimal(after) == rate.rate
    model_admin = admin.site._registry[FxRate]
    assert not model_admin.has_change_permission(_request(superuser), rate)
    assert not model_admin.has_delete_permission(_request(superuser), rate)


def test_changing_a_course_and_its_modules_in_the_admin_is_audited(admin_client):
    course = CourseFactory(title="Basics")
    ModuleFactory(course=course)
    response = _change(
        admin_client, f"/admin/training/course/{course.pk}/change/", title="Advanced"
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="course.changed")
    assert event.changes["title"] == {"before": "Basics", "after": "Advanced"}


def test_deleting_a_schedule_in_the_admin_is_audited(admin_client):
    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    task = PeriodicTask.objects.create(name="nightly thing", task="core.ping", interval=every)
    response = admin_client.post(
        f"/admin/django_celery_beat/periodictask/{task.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="periodictask.deleted").count() == 1


def test_bulk_enabling_schedules_is_not_offered(superuser):
    assert set(admin.site._registry[PeriodicTask].get_actions(_request(superuser))) <= {
        "delete_selected"
    }


def test_revoking_a_token_in_the_admin_is_audited_without_its_key(admin_client, partner_user):
    token = Token.objects.create(user=partner_user)
    response = admin_client.post(
        f"/admin/authtoken/tokenproxy/{partner_user.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    event = AuditEvent.objects.get(action="tokenproxy.deleted")
    assert token.key not in str(event.changes)


# --- object-permission grants (django-guardian) ------------------------------------------------


def test_granting_a_manager_a_partner_in_the_admin_is_audited(admin_client, superuser):
    # given a partner and a channel manager who does not own it
    partner = PartnerFactory()
    manager = staff(Role.CHANNEL_MANAGER)
    url = f"/admin/partners/partner/{partner.pk}/permissions/user-manage/{manager.pk}/"
    # when an administrator grants the manager the partner through guardian's page
    response = admin_client.post(url, {"permissions": ["manage_partner"]})
    # then the grant exists and is audited with who, on what, before and after
    assert response.status_code == 302
    assert "manage_partner" in get_perms(manager, partner)
    event = AuditEvent.objects.get(action="object_permissions.changed")
    assert event.actor == superuser and event.object_id == str(partner.pk)
    assert event.changes["grantee_id"] == manager.pk
    assert event.changes["permissions"] == {"before": [], "after": ["manage_partner"]}


def test_only_administrators_reach_the_grant_pages(client, partner):
    client.force_login(staff(Role.CHANNEL_DIRECTOR))
    response = client.get(f"/admin/partners/partner/{partner.pk}/permissions/")
    assert response.status_code in (302, 403)
    assert not AuditEvent.objects.exists()
