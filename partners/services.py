"""Writes of the partners domain: profile, users, applications, compliance and freezing.

Every service is atomic, locks what it changes, writes its audit event and notifies after commit.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, Role
from accounts.models import User
from accounts.scoping import can_manage_partner
from core.audit import audit_record, diff, snapshot
from core.notifications import notify
from core.periods import Quarter

from . import inputs
from .choices import (
    APPLICATION_PIPELINE,
    ApplicationStatus,
    NpsSource,
    PartnerStatus,
    PartnerType,
    ProposalStatus,
    ScorecardKind,
    TierCode,
    TierOutcome,
    ViolationStatus,
)
from .models import (
    ApplicationTransition,
    ComplianceViolation,
    NpsResponse,
    Partner,
    PartnerApplication,
    PartnerFreeze,
    Scorecard,
    ScorecardWeights,
    Tier,
    TierChange,
    TierEvaluation,
    UnfreezeApproval,
)
from .rules import (
    classification_for,
    compliance_score,
    nps_score,
    qualified_tier,
    ratio_score,
    roi_score,
    tier_decision,
    weighted_total,
)
from .selectors import scorecard_weights_current

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
        audit_record(actor=actor, action="partner.updated", obj=partner, changes=changes)
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
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    user = User(email=email, full_name=full_name, role=role, partner=partner, language=language)
    user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        action="partner_user.invited",
        obj=user,
        partner=partner,
        changes={"role": role, "email": email},
    )
    notify(
        recipients=[user],
        kind="partner.user_invited",
        title=_("You are invited to the partner portal of %(company)s"),
        body=_("Set your password with this link to sign in: %(link)s"),
        url=_password_set_url(user),
        params={"company": partner.legal_name, "link": _password_set_url(user)},
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
    audit_record(
        actor=actor,
        action="partner_user.deactivated",
        obj=user,
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
    audit_record(
        actor=actor,
        action="partner_user.role_changed",
        obj=user,
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
    audit_record(actor=None, action="application.submitted", obj=application)
    notify(
        recipients=_channel_staff(),
        kind="partner.application_submitted",
        title=_("New partner application: %(name)s"),
        url=reverse("partners:application_detail", args=[application.pk]),
        params={"name": application.legal_name},
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
    audit_record(
        actor=actor,
        action=f"application.{to_status}",
        obj=application,
        changes={"status": {"before": from_status, "after": to_status}},
        note=note,
    )
    notify(
        recipients=_channel_staff(),
        kind="partner.application_moved",
        title=_("Application %(name)s moved to %(status)s"),
        url=reverse("partners:application_detail", args=[application.pk]),
        params={"name": application.legal_name, "status": application.get_status_display()},
        email=False,
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
    audit_record(
        actor=actor,
        action="application.assessed",
        obj=application,
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
    audit_record(actor=actor, action="partner.created", obj=partner, note=str(application.pk))
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
    audit_record(
        actor=actor,
        action="violation.recorded",
        obj=violation,
        changes={"kind": kind, "penalty": penalty, "status": status},
    )
    if status == ViolationStatus.DRAFT:
        recipients = [partner.channel_manager] if partner.channel_manager else _channel_staff()
        notify(
            recipients=recipients,
            kind="partner.violation_draft",
            title=_("Possible compliance violation by %(partner)s"),
            body=description,
            url=reverse("partners:partner_detail", args=[partner.pk]),
            params={"partner": partner.legal_name},
        )
    return violation


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
    audit_record(
        actor=actor,
        action=f"violation.{status}",
        obj=violation,
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
    audit_record(
        actor=actor,
        action="partner.frozen",
        obj=partner,
        changes={"status": {"before": PartnerStatus.ACTIVE, "after": PartnerStatus.FROZEN}},
        note=reason,
    )
    notify(
        recipients=[u for u in [partner.channel_manager] if u],
        kind="partner.frozen",
        title=_("Partner %(partner)s was frozen"),
        body=reason,
        url=reverse("partners:partner_detail", args=[partner.pk]),
        params={"partner": partner.legal_name},
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
    audit_record(actor=actor, action="partner.unfreeze_approved", obj=partner)
    if freeze.approvals.count() >= UNFREEZE_APPROVALS_NEEDED:
        freeze.lifted_at = timezone.now()
        freeze.save(update_fields=["lifted_at"])
        partner.status = PartnerStatus.ACTIVE
        partner.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="partner.unfrozen",
            obj=partner,
            changes={"status": {"before": PartnerStatus.FROZEN, "after": PartnerStatus.ACTIVE}},
        )
        notify(
            recipients=[u for u in [partner.channel_manager] if u],
            kind="partner.unfrozen",
            title=_("Partner %(partner)s was unfrozen"),
            url=reverse("partners:partner_detail", args=[partner.pk]),
            params={"partner": partner.legal_name},
        )
    return freeze


# --- tiers, scorecards and NPS (DESIGN §2.3, §2.4) ---------------------------------------------

EVALUATION_CHUNK = 2000


def _tier_recipients(partner: Partner) -> list[User]:
    """Who answers for a partner's tier: its channel manager, else every channel director."""
    if partner.channel_manager_id:
        return [partner.channel_manager]
    return list(User.objects.filter(role=Role.CHANNEL_DIRECTOR, is_active=True))


def _partner_admins(partner: Partner) -> list[User]:
    return list(User.objects.filter(partner=partner, role=Role.PARTNER_ADMIN, is_active=True))


def tier_evaluation_run(*, quarter: Quarter, partner_ids: list[int] | None = None) -> dict:
    """Evaluate every partner (not terminated) for `quarter` and propose tier changes.

    Idempotent: a partner already evaluated for the quarter is skipped (one row per partner and
    quarter, enforced by the database). A new proposal supersedes the partner's older pending one.
    """
    partners = Partner.objects.exclude(status=PartnerStatus.TERMINATED).order_by("pk")
    if partner_ids is not None:
        partners = partners.filter(pk__in=partner_ids)
    ids = list(partners.values_list("pk", flat=True))
    summary = {outcome.value: 0 for outcome in TierOutcome} | {"evaluated": 0, "skipped": 0}
    for start in range(0, len(ids), EVALUATION_CHUNK):
        chunk = _tier_evaluate_chunk(
            quarter=quarter, partner_ids=ids[start : start + EVALUATION_CHUNK]
        )
        for key, value in chunk.items():
            summary[key] += value
    return summary


@transaction.atomic
def _tier_evaluate_chunk(*, quarter: Quarter, partner_ids: list[int]) -> dict:
    summary: dict[str, int] = defaultdict(int)
    done = set(
        TierEvaluation.objects.filter(partner_id__in=partner_ids, quarter=str(quarter)).values_list(
            "partner_id", flat=True
        )
    )
    summary["skipped"] = len(done)
    todo = [pid for pid in partner_ids if pid not in done]
    if not todo:
        return summary
    tiers = list(Tier.objects.all())
    by_id = {t.pk: t for t in tiers}
    by_rank = {t.rank: t for t in tiers}
    previous = {
        row["partner_id"]: by_id[row["qualified_tier_id"]].rank
        for row in TierEvaluation.objects.filter(
            partner_id__in=todo, quarter=str(quarter.previous())
        ).values("partner_id", "qualified_tier_id")
    }
    revenue = inputs.revenue_by_partner(partner_ids=todo, quarter=quarter)
    certified = inputs.certified_staff_by_partner(partner_ids=todo, as_of=quarter.end)
    nps = inputs.nps_by_partner(partner_ids=todo, quarter=quarter)
    violations = inputs.open_violations_by_partner(partner_ids=todo)
    evaluations = []
    for pid, tier_id in Partner.objects.filter(pk__in=todo).values_list("pk", "tier_id"):
        figures = {
            "revenue": revenue.get(pid, Decimal("0")),
            "certified": certified.get(pid, {}).get("total", 0),
            "senior": certified.get(pid, {}).get("senior", 0),
            "nps": nps.get(pid),
        }
        qualified = qualified_tier(tiers, **figures)
        outcome, proposed_rank = tier_decision(
            current_rank=by_id[tier_id].rank,
            qualified_rank=qualified.rank,
            previous_qualified_rank=previous.get(pid),
            open_violations=violations.get(pid, 0),
        )
        proposes = proposed_rank is not None
        evaluations.append(
            TierEvaluation(
                partner_id=pid,
                quarter=str(quarter),
                current_tier_id=tier_id,
                qualified_tier=qualified,
                proposed_tier=by_rank[proposed_rank] if proposes else None,
                revenue=figures["revenue"],
                certified_staff=figures["certified"],
                senior_certified_staff=figures["senior"],
                nps=figures["nps"],
                open_violations=violations.get(pid, 0),
                outcome=outcome,
                status=ProposalStatus.PENDING if proposes else ProposalStatus.NONE,
            )
        )
        summary[outcome] += 1
    TierEvaluation.objects.bulk_create(evaluations)
    summary["evaluated"] = len(evaluations)
    proposals = [e for e in evaluations if e.status == ProposalStatus.PENDING]
    TierEvaluation.objects.filter(
        partner_id__in=[e.partner_id for e in proposals],
        status=ProposalStatus.PENDING,
        quarter__lt=str(quarter),
    ).update(status=ProposalStatus.SUPERSEDED)
    _tier_proposals_announce(proposals, quarter=quarter)
    return summary


def _tier_proposals_announce(proposals: list[TierEvaluation], *, quarter: Quarter) -> None:
    """One audit event per proposal; one notification per person answering for them."""
    if not proposals:
        return
    partners = Partner.objects.select_related("channel_manager").in_bulk(
        [p.partner_id for p in proposals]
    )
    per_person: dict[int, tuple[User, int]] = {}
    for proposal in proposals:
        partner = partners[proposal.partner_id]
        audit_record(
            actor=None,
            action=f"tier.{proposal.outcome}_proposed",
            obj=proposal,
            partner=partner,
            changes={
                "tier": {
                    "before": proposal.current_tier_id,
                    "after": proposal.proposed_tier_id,
                },
                **proposal.figures,
            },
        )
        for person in _tier_recipients(partner):
            per_person[person.pk] = (person, per_person.get(person.pk, (person, 0))[1] + 1)
    for person, count in per_person.values():
        notify(
            recipients=[person],
            kind="partner.tier_proposals",
            title=_("%(count)s tier proposal(s) for %(quarter)s await your decision"),
            url=reverse("partners:tier_proposals"),
            params={"count": count, "quarter": str(quarter)},
        )


def _lock_pending_proposal(*, evaluation: TierEvaluation, actor: User) -> TierEvaluation:
    evaluation = (
        TierEvaluation.objects.select_for_update(of=("self",))
        .select_related("partner", "current_tier", "proposed_tier")
        .get(pk=evaluation.pk)
    )
    if not can_manage_partner(actor, evaluation.partner):
        raise PermissionDenied
    if evaluation.status != ProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    return evaluation


@transaction.atomic
def tier_proposal_confirm(*, evaluation: TierEvaluation, actor: User, note: str = "") -> TierChange:
    """Apply a proposed tier change; kept in the history with the figures that justified it.

    Refused when the partner's tier moved since the evaluation, and for an upgrade while a
    compliance violation is open.
    """
    evaluation = _lock_pending_proposal(evaluation=evaluation, actor=actor)
    partner = Partner.objects.select_for_update().get(pk=evaluation.partner_id)
    if partner.tier_id != evaluation.current_tier_id:
        raise ValidationError(
            _("The partner's tier changed since this evaluation; wait for the next one.")
        )
    if (
        evaluation.outcome == TierOutcome.UPGRADE
        and partner.violations.filter(status=ViolationStatus.OPEN).exists()
    ):
        raise ValidationError(_("An open compliance violation blocks the upgrade."))
    before = evaluation.current_tier
    partner.tier = evaluation.proposed_tier
    partner.save(update_fields=["tier", "updated_at"])
    evaluation.status = ProposalStatus.CONFIRMED
    evaluation.decided_by = actor
    evaluation.decided_at = timezone.now()
    evaluation.decision_note = note.strip()
    evaluation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    change = TierChange.objects.create(
        partner=partner,
        from_tier=before,
        to_tier=evaluation.proposed_tier,
        evaluation=evaluation,
        figures=evaluation.figures,
        changed_by=actor,
        note=evaluation.decision_note,
    )
    audit_record(
        actor=actor,
        action="partner.tier_changed",
        obj=partner,
        changes={
            "tier": {"before": before.code, "after": evaluation.proposed_tier.code},
            **evaluation.figures,
        },
        note=evaluation.decision_note,
    )
    params = {
        "partner": partner.legal_name,
        "before": before.get_code_display(),
        "after": evaluation.proposed_tier.get_code_display(),
    }
    notify(
        recipients=_partner_admins(partner),
        kind="partner.tier_changed",
        title=_("Your partner tier changed from %(before)s to %(after)s"),
        url=reverse("partners:my_company"),
        params=params,
    )
    notify(
        recipients=[u for u in _tier_recipients(partner) if u.pk != actor.pk],
        kind="partner.tier_changed",
        title=_("%(partner)s moved from %(before)s to %(after)s"),
        url=reverse("partners:partner_detail", args=[partner.pk]),
        params=params,
    )
    return change


@transaction.atomic
def tier_proposal_reject(*, evaluation: TierEvaluation, actor: User, reason: str) -> TierEvaluation:
    """Keep the partner's tier; the reason is recorded on the proposal."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    evaluation = _lock_pending_proposal(evaluation=evaluation, actor=actor)
    evaluation.status = ProposalStatus.REJECTED
    evaluation.decided_by = actor
    evaluation.decided_at = timezone.now()
    evaluation.decision_note = reason.strip()
    evaluation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="tier.proposal_rejected",
        obj=evaluation,
        partner=evaluation.partner,
        changes={"status": {"before": ProposalStatus.PENDING, "after": ProposalStatus.REJECTED}},
        note=evaluation.decision_note,
    )
    notify(
        recipients=[u for u in _tier_recipients(evaluation.partner) if u.pk != actor.pk],
        kind="partner.tier_proposal_rejected",
        title=_("The tier proposal for %(partner)s was rejected"),
        body=evaluation.decision_note,
        url=reverse("partners:partner_detail", args=[evaluation.partner_id]),
        params={"partner": evaluation.partner.legal_name},
    )
    return evaluation


@transaction.atomic
def scorecard_weights_update(*, actor: User, **weights: int) -> ScorecardWeights:
    """Save new scorecard weights (they must add up to 100); the previous rows stay as history."""
    current = scorecard_weights_current()
    row = ScorecardWeights(changed_by=actor, **(current.as_dict() | weights))
    row.full_clean(exclude=["changed_by"])
    row.save()
    audit_record(
        actor=actor,
        action="scorecard.weights_changed",
        obj=row,
        changes=diff(current.as_dict(), row.as_dict()),
    )
    return row


def _scorecard_period(*, kind: str, year: int | None) -> tuple[int, Quarter, datetime.date]:
    """(year, last quarter of the evaluated span, first day of the span) for an evaluation."""
    if kind == ScorecardKind.YEARLY:
        last = Quarter(year, 4)
    else:
        last = Quarter.containing(timezone.localdate())
    first = inputs.trailing_quarters(last)[0]
    return last.year, last, first.start


def _lowest_nonzero(tiers: list[Tier], attribute: str):
    values = [getattr(t, attribute) for t in tiers if getattr(t, attribute)]
    return min(values) if values else 0


def scorecard_figures_for(
    *, partners: list[Partner], kind: str, year: int | None = None
) -> dict[int, dict]:
    """{partner id: {year, scores, figures}} of a scorecard (DESIGN §2.4), without saving, with
    every input read once for all the partners.

    Revenue attainment and certifications are measured against the partner's tier requirement
    (a Registered partner against the first tier that requires anything).
    """
    year, last, since = _scorecard_period(kind=kind, year=year)
    as_of = min(last.end, timezone.localdate())
    ids = [p.pk for p in partners]
    tiers = {t.pk: t for t in Tier.objects.all()}
    lowest_revenue = _lowest_nonzero(list(tiers.values()), "min_revenue")
    lowest_staff = _lowest_nonzero(list(tiers.values()), "min_certified_staff")
    revenue = inputs.revenue_by_partner(partner_ids=ids, quarter=last)
    staff = inputs.certified_staff_by_partner(partner_ids=ids, as_of=as_of)
    nps = inputs.nps_by_partner(partner_ids=ids, quarter=last)
    roi = inputs.marketing_roi_by_partner(partner_ids=ids)
    violations = inputs.violations_by_partner(partner_ids=ids, since=since, until=last.end)
    results = {}
    for partner in partners:
        tier = tiers[partner.tier_id]
        revenue_target = tier.min_revenue or lowest_revenue
        staff_target = tier.min_certified_staff or lowest_staff
        pid = partner.pk
        certified = staff.get(pid, {}).get("total", 0)
        results[pid] = {
            "year": year,
            "scores": {
                "score_revenue": ratio_score(revenue.get(pid, Decimal("0")), revenue_target),
                "score_marketing": roi_score(roi.get(pid)),
                "score_satisfaction": nps_score(nps.get(pid)),
                "score_compliance": compliance_score(violations.get(pid, 0)),
                "score_team": ratio_score(certified, staff_target),
            },
            "figures": {
                "from": str(inputs.trailing_quarters(last)[0]),
                "to": str(last),
                "revenue": str(revenue.get(pid, Decimal("0.00"))),
                "revenue_target": str(revenue_target),
                "marketing_roi": None if roi.get(pid) is None else str(roi[pid]),
                "nps": nps.get(pid),
                "violations": violations.get(pid, 0),
                "certified_staff": certified,
                "certified_staff_target": staff_target,
            },
        }
    return results


def _scorecard_build(*, partner: Partner, result: dict, kind: str, reason: str, actor, weights):
    total = weighted_total(result["scores"], weights)
    return Scorecard(
        partner=partner,
        kind=kind,
        year=result["year"],
        reason=reason,
        weights=weights,
        figures=result["figures"],
        total=total,
        classification=classification_for(total),
        evaluated_by=actor if getattr(actor, "is_authenticated", False) else None,
        **result["scores"],
    )


def _partner_classify(*, partner: Partner, scorecard: Scorecard, actor) -> bool:
    """Give the partner the scorecard's class; audited. Returns whether the class changed."""
    before = partner.classification
    if before == scorecard.classification:
        return False
    Partner.objects.filter(pk=partner.pk).update(
        classification=scorecard.classification, updated_at=timezone.now()
    )
    partner.classification = scorecard.classification
    audit_record(
        actor=actor,
        action="partner.classified",
        obj=partner,
        changes={
            "classification": {"before": before, "after": scorecard.classification},
            "total": str(scorecard.total),
        },
        note=scorecard.reason,
    )
    return True


@transaction.atomic
def scorecard_evaluate(
    *, partner: Partner, actor: User | None, kind: str, year: int | None = None, reason: str = ""
) -> Scorecard:
    """Score the partner, store the scorecard and set its class (A/B/C).

    Yearly: once per partner and year (a second run returns the stored one). On demand (after an
    incident): any time, with a reason.
    """
    if kind == ScorecardKind.ON_DEMAND and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for this evaluation.")})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if kind == ScorecardKind.YEARLY:
        existing = Scorecard.objects.filter(partner=partner, kind=kind, year=year).first()
        if existing is not None:
            return existing
    result = scorecard_figures_for(partners=[partner], kind=kind, year=year)[partner.pk]
    scorecard = _scorecard_build(
        partner=partner,
        result=result,
        kind=kind,
        reason=reason.strip(),
        actor=actor,
        weights=scorecard_weights_current().as_dict(),
    )
    scorecard.save()
    if _partner_classify(partner=partner, scorecard=scorecard, actor=actor):
        notify(
            recipients=[u for u in _tier_recipients(partner) if u != actor],
            kind="partner.classified",
            title=_("%(partner)s is now class %(class)s (score %(total)s)"),
            url=reverse("partners:scorecard_detail", args=[scorecard.pk]),
            params={
                "partner": partner.legal_name,
                "class": scorecard.classification,
                "total": scorecard.total,
            },
            email=False,
        )
    return scorecard


SCORECARD_CHUNK = 1000


def scorecard_evaluate_yearly(*, year: int) -> dict:
    """The yearly scorecard of every partner not terminated, in chunks read set-based.

    Idempotent: a partner that already has the year's scorecard is skipped (one per partner and
    year, enforced by the database).
    """
    ids = list(
        Partner.objects.exclude(status=PartnerStatus.TERMINATED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    summary = {"evaluated": 0, "skipped": 0}
    for start in range(0, len(ids), SCORECARD_CHUNK):
        chunk = _scorecard_yearly_chunk(year=year, partner_ids=ids[start : start + SCORECARD_CHUNK])
        summary["evaluated"] += chunk["evaluated"]
        summary["skipped"] += chunk["skipped"]
    return summary


@transaction.atomic
def _scorecard_yearly_chunk(*, year: int, partner_ids: list[int]) -> dict:
    done = set(
        Scorecard.objects.filter(
            kind=ScorecardKind.YEARLY, year=year, partner_id__in=partner_ids
        ).values_list("partner_id", flat=True)
    )
    partners = list(
        Partner.objects.filter(pk__in=[pid for pid in partner_ids if pid not in done]).order_by(
            "pk"
        )
    )
    if not partners:
        return {"evaluated": 0, "skipped": len(done)}
    weights = scorecard_weights_current().as_dict()
    results = scorecard_figures_for(partners=partners, kind=ScorecardKind.YEARLY, year=year)
    scorecards = Scorecard.objects.bulk_create(
        [
            _scorecard_build(
                partner=partner,
                result=results[partner.pk],
                kind=ScorecardKind.YEARLY,
                reason="",
                actor=None,
                weights=weights,
            )
            for partner in partners
        ]
    )
    changed: dict[int, tuple[User, int]] = {}
    for partner, scorecard in zip(partners, scorecards, strict=True):
        if _partner_classify(partner=partner, scorecard=scorecard, actor=None):
            for person in _tier_recipients(partner):
                changed[person.pk] = (person, changed.get(person.pk, (person, 0))[1] + 1)
    for person, count in changed.values():
        notify(
            recipients=[person],
            kind="partner.classified",
            title=_("Yearly scorecards %(year)s: %(count)s partner(s) changed class"),
            url=reverse("partners:partner_list"),
            params={"year": year, "count": count},
            email=False,
        )
    return {"evaluated": len(scorecards), "skipped": len(done)}


@transaction.atomic
def nps_response_record(
    *,
    partner: Partner,
    quarter: str,
    score: int,
    actor: User,
    respondent: str = "",
    comment: str = "",
) -> NpsResponse:
    """Record one customer's survey answer (0–10) about the partner for a quarter."""
    try:
        quarter = str(Quarter.parse(quarter))
    except ValueError as exc:
        raise ValidationError({"quarter": _("Enter a quarter like 2026Q3.")}) from exc
    response = NpsResponse(
        partner=partner,
        quarter=quarter,
        score=score,
        respondent=respondent.strip(),
        comment=comment.strip(),
        source=NpsSource.FORM,
        recorded_by=actor,
    )
    if not isinstance(score, int) or not 0 <= score <= 10:
        raise ValidationError({"score": _("A score is between 0 and 10.")})
    response.full_clean()
    response.save()
    audit_record(
        actor=actor,
        action="nps.recorded",
        obj=response,
        partner=partner,
        changes={"quarter": quarter, "score": response.score},
    )
    return response
