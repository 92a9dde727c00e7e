"""Writes of the partners domain: profile, company users, applications, compliance and freezing.

Every service is atomic, locks what it changes, writes its audit event and notifies after commit.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, Role
from accounts.models import User
from core.audit import diff, snapshot
from core.notifications import choice_label
from core.transitions import Notice, transition_record

from ..choices import (
    APPLICATION_PIPELINE,
    ApplicationStatus,
    PartnerStatus,
    PartnerType,
    TierCode,
    ViolationStatus,
)
from ..models import (
    ApplicationTransition,
    ComplianceViolation,
    Partner,
    PartnerApplication,
    PartnerFreeze,
    Tier,
    UnfreezeApproval,
)

PROFILE_FIELDS = [
    "legal_name",
    "country",
    "partner_type",
    "regions",
    "parent",
    "channel_manager",
    "contract_currency",
    "credit_limit",
    "specializations",
]
UNFREEZE_APPROVALS_NEEDED = 2


# --- profile ---------------------------------------------------------------------------------


def partner_parent_validate(*, partner: Partner | None, parent: Partner | None, partner_type: str):
    """A dealer's parent is a distributor; two levels at most; never a cycle (DESIGN §2.2)."""
    if parent is None:
        return
    if partner is not None and parent.pk == partner.pk:
        raise ValidationError({"parent": _("A partner cannot be its own parent.")})
    if parent.partner_type != PartnerType.DISTRIBUTOR:
        raise ValidationError({"parent": _("The parent partner must be a distributor.")})
    if parent.parent_id is not None:
        raise ValidationError(
            {"parent": _("The parent already has a parent: only two levels are allowed.")}
        )
    if partner is not None and partner.pk and partner.dealers.exists():
        raise ValidationError(
            {"parent": _("This partner has dealers of its own: only two levels are allowed.")}
        )


@transaction.atomic
def partner_update(*, partner: Partner, actor: User, **fields) -> Partner:
    """Change profile fields; the parent rules are checked again under a row lock."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = snapshot(partner, PROFILE_FIELDS)
    for name, value in fields.items():
        if name not in PROFILE_FIELDS:
            raise ValueError(f"{name} is not a profile field")
        setattr(partner, name, value)
    partner_parent_validate(
        partner=partner, parent=partner.parent, partner_type=partner.partner_type
    )
    partner.full_clean(exclude=["tier"])
    partner.save()
    changes = diff(before, snapshot(partner, PROFILE_FIELDS))
    if changes:
        transition_record(partner, actor=actor, action="partner.updated", changes=changes)
    return partner


# --- users of a partner company ---------------------------------------------------------------


def _password_set_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", args=[uid, token])
    return f"{settings.PRM_SITE_URL}{path}"


def _check_partner_role(role: str) -> None:
    if role not in {r.value for r in PARTNER_ROLES}:
        raise ValidationError({"role": _("Choose one of the partner roles.")})


@transaction.atomic
def partner_user_invite(
    *, partner: Partner, email: str, full_name: str, role: str, actor: User | None, language="en"
) -> User:
    """Create a user of `partner` without a password and e-mail them a link to set one."""
    _check_partner_role(role)
    email = email.strip().lower()
    holder = User.objects.filter(email__iexact=email).only("partner_id").first()
    if holder is not None:
        if holder.partner_id == partner.pk:
            raise ValidationError({"email": _("This person is already a user of your company.")})
        # Whose address it is (another company's user, a vendor employee) is not for the inviter.
        raise ValidationError(
            {"email": _("This address cannot be invited. Use another e-mail address.")}
        )
    user = User(email=email, full_name=full_name, role=role, partner=partner, language=language)
    user.set_unusable_password()
    user.save()
    transition_record(
        user,
        actor=actor,
        action="partner_user.invited",
        partner=partner,
        changes={"role": role, "email": email},
        notice=Notice(
            recipients=[user],
            kind="partner.user_invited",
            title=_("You are invited to the partner portal of %(company)s"),
            body=_("Set your password with this link to sign in: %(link)s"),
            url=_password_set_url(user),
            params={"company": partner.legal_name, "link": _password_set_url(user)},
        ),
    )
    return user


def _lock_company_user(*, partner: Partner, user: User, actor: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.partner_id != partner.pk:
        raise ValidationError(_("This user does not belong to the company."))
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot change your own account here."))
    return user


@transaction.atomic
def partner_user_deactivate(*, partner: Partner, user: User, actor: User) -> User:
    """Switch a company user off; their sessions and tokens stop working at once."""
    user = _lock_company_user(partner=partner, user=user, actor=actor)
    if not user.is_active:
        raise ValidationError(_("This user is already deactivated."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    transition_record(
        user,
        actor=actor,
        action="partner_user.deactivated",
        partner=partner,
        changes={"is_active": {"before": True, "after": False}},
    )
    return user


@transaction.atomic
def partner_user_role_change(*, partner: Partner, user: User, role: str, actor: User) -> User:
    """Move a company user to another partner role."""
    _check_partner_role(role)
    user = _lock_company_user(partner=partner, user=user, actor=actor)
    if user.role == role:
        return user
    before = user.role
    user.role = role
    user.save(update_fields=["role"])
    transition_record(
        user,
        actor=actor,
        action="partner_user.role_changed",
        partner=partner,
        changes={"role": {"before": before, "after": role}},
    )
    return user


# --- applications -----------------------------------------------------------------------------


def _channel_staff() -> list[User]:
    return list(
        User.objects.filter(
            role__in=[Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR], is_active=True
        ).only("pk", "email", "language", "is_active")
    )


@transaction.atomic
def application_submit(*, data: dict) -> PartnerApplication:
    """Record a public application; refused while another one with the same tax ID is open."""
    application = PartnerApplication(**data)
    application.tax_id = application.tax_id.strip().upper()
    if PartnerApplication.objects.filter(
        tax_id=application.tax_id, status__in=[s.value for s in APPLICATION_PIPELINE[:-1]]
    ).exists():
        raise ValidationError(
            {"tax_id": _("An application with this tax ID is already being processed.")}
        )
    application.full_clean()
    application.save()
    transition_record(
        application,
        actor=None,
        action="application.submitted",
        notice=Notice(
            recipients=_channel_staff(),
            kind="partner.application_submitted",
            title=_("New partner application: %(name)s"),
            url=reverse("partners:application_detail", args=[application.pk]),
            params={"name": application.legal_name},
        ),
    )
    return application


def _transition(
    *, application: PartnerApplication, to_status: str, actor: User, note: str = ""
) -> None:
    from_status = application.status
    application.status = to_status
    application.save()
    ApplicationTransition.objects.create(
        application=application,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note,
    )
    transition_record(
        application,
        actor=actor,
        action=f"application.{to_status}",
        changes={"status": {"before": from_status, "after": to_status}},
        note=note,
        notice=Notice(
            recipients=_channel_staff(),
            kind="partner.application_moved",
            title=_("Application %(name)s moved to %(status)s"),
            url=reverse("partners:application_detail", args=[application.pk]),
            params={"name": application.legal_name, "status": choice_label(application, "status")},
            email=False,
        ),
    )


def _lock_open_application(application: PartnerApplication) -> PartnerApplication:
    application = PartnerApplication.objects.select_for_update().get(pk=application.pk)
    if not application.is_open:
        raise ValidationError(_("This application is closed."))
    return application


@transaction.atomic
def application_assess(
    *,
    application: PartnerApplication,
    actor: User,
    qualification: int,
    business: int,
    resources: int,
    willingness: int,
    report: str = "",
) -> PartnerApplication:
    """Record the site-visit scores (0–100 each); only while the application is in assessment."""
    application = _lock_open_application(application)
    if application.status != ApplicationStatus.ASSESSMENT:
        raise ValidationError(_("Scores are recorded during the assessment step."))
    fields = ["score_qualification", "score_business", "score_resources", "score_willingness"]
    before = snapshot(application, fields + ["site_visit_report"])
    for name, value in zip(fields, (qualification, business, resources, willingness), strict=True):
        if value is None or not 0 <= int(value) <= 100:
            raise ValidationError({name: _("A score is between 0 and 100.")})
        setattr(application, name, int(value))
    application.site_visit_report = report
    application.save()
    transition_record(
        application,
        actor=actor,
        action="application.assessed",
        changes=diff(before, snapshot(application, fields + ["site_visit_report"])),
    )
    return application


@transaction.atomic
def application_advance(
    *, application: PartnerApplication, actor: User, note: str = ""
) -> PartnerApplication:
    """Move to the next pipeline step; leaving assessment needs the four scores."""
    application = _lock_open_application(application)
    index = APPLICATION_PIPELINE.index(ApplicationStatus(application.status))
    to_status = APPLICATION_PIPELINE[index + 1]
    if application.status == ApplicationStatus.ASSESSMENT and not application.has_assessment:
        raise ValidationError(_("Record the site-visit scores before leaving assessment."))
    if to_status == ApplicationStatus.ACTIVE:
        return _application_activate(application=application, actor=actor, note=note)
    _transition(application=application, to_status=to_status, actor=actor, note=note)
    return application


@transaction.atomic
def application_reject(
    *, application: PartnerApplication, actor: User, reason: str
) -> PartnerApplication:
    """Reject at any open step; a reason is required and is kept on the application."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    application = _lock_open_application(application)
    application.rejection_reason = reason.strip()
    _transition(
        application=application, to_status=ApplicationStatus.REJECTED, actor=actor, note=reason
    )
    return application


def _application_activate(
    *, application: PartnerApplication, actor: User, note: str
) -> PartnerApplication:
    if Partner.objects.filter(tax_id=application.tax_id).exists():
        raise ValidationError(_("A partner with this tax ID already exists."))
    partner = Partner.objects.create(
        legal_name=application.legal_name,
        tax_id=application.tax_id,
        country=application.country,
        partner_type=application.partner_type,
        regions=application.regions,
        tier=Tier.objects.get(code=TierCode.REGISTERED),
        channel_manager=actor if actor.role == Role.CHANNEL_MANAGER else None,
        contract_currency="CNY" if application.country == "CN" else "EUR",
    )
    transition_record(partner, actor=actor, action="partner.created", note=str(application.pk))
    application.partner = partner
    _transition(application=application, to_status=ApplicationStatus.ACTIVE, actor=actor, note=note)
    partner_user_invite(
        partner=partner,
        email=application.contact_email,
        full_name=application.contact_name,
        role=Role.PARTNER_ADMIN,
        actor=actor,
        language="zh-hans" if application.country == "CN" else "en",
    )
    return application


# --- compliance and freezing ------------------------------------------------------------------


@transaction.atomic
def compliance_violation_create(
    *,
    partner: Partner,
    kind: str,
    description: str,
    actor: User | None,
    penalty: Decimal = Decimal("0"),
    evidence=None,
    status: str = ViolationStatus.OPEN,
) -> ComplianceViolation:
    """Record a violation (open by default: it blocks tier upgrades until closed)."""
    violation = ComplianceViolation(
        partner=partner,
        kind=kind,
        description=description,
        penalty=penalty,
        status=status,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if evidence is not None:
        violation.evidence = evidence
    violation.full_clean()
    violation.save()
    notice = None
    if status == ViolationStatus.DRAFT:
        notice = Notice(
            recipients=[partner.channel_manager] if partner.channel_manager else _channel_staff(),
            kind="partner.violation_draft",
            title=_("Possible compliance violation by %(partner)s"),
            body=description,
            url=reverse("partners:partner_detail", args=[partner.pk]),
            params={"partner": partner.legal_name},
        )
    transition_record(
        violation,
        actor=actor,
        action="violation.recorded",
        changes={"kind": kind, "penalty": penalty, "status": status},
        notice=notice,
    )
    return violation


@transaction.atomic
def compliance_violation_draft_create(
    *, partner: Partner, kind: str, description: str, actor: User | None = None
) -> ComplianceViolation:
    """For other apps (e.g. deal checks): a suspected violation for staff to confirm or drop."""
    return compliance_violation_create(
        partner=partner,
        kind=kind,
        description=description,
        actor=actor,
        status=ViolationStatus.DRAFT,
    )


@transaction.atomic
def compliance_violation_set_status(
    *, violation: ComplianceViolation, status: str, actor: User
) -> ComplianceViolation:
    """Confirm a draft (open) or close a violation; closed is final."""
    violation = ComplianceViolation.objects.select_for_update().get(pk=violation.pk)
    allowed = {
        ViolationStatus.DRAFT: {ViolationStatus.OPEN, ViolationStatus.CLOSED},
        ViolationStatus.OPEN: {ViolationStatus.CLOSED},
        ViolationStatus.CLOSED: set(),
    }
    if status not in allowed[ViolationStatus(violation.status)]:
        raise ValidationError(_("This change of status is not allowed."))
    before = violation.status
    violation.status = status
    violation.closed_at = timezone.now() if status == ViolationStatus.CLOSED else None
    violation.save(update_fields=["status", "closed_at"])
    transition_record(
        violation,
        actor=actor,
        action=f"violation.{status}",
        changes={"status": {"before": before, "after": status}},
    )
    return violation


@transaction.atomic
def partner_freeze(*, partner: Partner, actor: User, reason: str) -> PartnerFreeze:
    """Freeze now: the company's sessions and API tokens stop working on their next request."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the freeze.")})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(_("Only an active partner can be frozen."))
    partner.status = PartnerStatus.FROZEN
    partner.save(update_fields=["status", "updated_at"])
    freeze = PartnerFreeze.objects.create(partner=partner, reason=reason.strip(), frozen_by=actor)
    transition_record(
        partner,
        actor=actor,
        action="partner.frozen",
        changes={"status": {"before": PartnerStatus.ACTIVE, "after": PartnerStatus.FROZEN}},
        note=reason,
        notice=Notice(
            recipients=[u for u in [partner.channel_manager] if u],
            kind="partner.frozen",
            title=_("Partner %(partner)s was frozen"),
            body=reason,
            url=reverse("partners:partner_detail", args=[partner.pk]),
            params={"partner": partner.legal_name},
        ),
    )
    return freeze


@transaction.atomic
def partner_unfreeze_approve(*, partner: Partner, actor: User) -> PartnerFreeze:
    """Approve lifting the open freeze; the second distinct approver lifts it."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    freeze = PartnerFreeze.objects.filter(partner=partner, lifted_at__isnull=True).first()
    if freeze is None or partner.status != PartnerStatus.FROZEN:
        raise ValidationError(_("This partner is not frozen."))
    if freeze.approvals.filter(approver=actor).exists():
        raise ValidationError(_("You already approved this unfreeze; a second person must."))
    UnfreezeApproval.objects.create(freeze=freeze, approver=actor)
    transition_record(partner, actor=actor, action="partner.unfreeze_approved")
    if freeze.approvals.count() >= UNFREEZE_APPROVALS_NEEDED:
        freeze.lifted_at = timezone.now()
        freeze.save(update_fields=["lifted_at"])
        partner.status = PartnerStatus.ACTIVE
        partner.save(update_fields=["status", "updated_at"])
        transition_record(
            partner,
            actor=actor,
            action="partner.unfrozen",
            changes={"status": {"before": PartnerStatus.FROZEN, "after": PartnerStatus.ACTIVE}},
            notice=Notice(
                recipients=[u for u in [partner.channel_manager] if u],
                kind="partner.unfrozen",
                title=_("Partner %(partner)s was unfrozen"),
                url=reverse("partners:partner_detail", args=[partner.pk]),
                params={"partner": partner.legal_name},
            ),
        )
    return freeze
