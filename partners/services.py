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
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, PARTNER_ROLES, Role
from accounts.models import User
from accounts.scoping import can_manage_partner
from core.audit import audit_record, diff, snapshot
from core.money import round_money
from core.notifications import notify
from core.periods import Quarter
from core.uploads import validate_document

from . import inputs
from .choices import (
    AGREEMENT_IN_FORCE,
    AGREEMENT_IN_PROGRESS,
    AGREEMENT_REMINDER_DAYS,
    APPLICATION_PIPELINE,
    AgreementStatus,
    ApplicationStatus,
    CreditKind,
    CreditStatus,
    NpsSource,
    PartnerStatus,
    PartnerType,
    ProposalStatus,
    ReportStatus,
    ReviewDecision,
    ReviewStage,
    ScorecardKind,
    TerminationReason,
    TierCode,
    TierOutcome,
    ViolationStatus,
    VisitStatus,
)
from .models import (
    Agreement,
    AgreementReminder,
    AgreementReview,
    ApplicationTransition,
    BusinessReport,
    ComplianceViolation,
    CreditApplication,
    NpsResponse,
    Partner,
    PartnerApplication,
    PartnerFreeze,
    PartnerVisit,
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


# --- agreements (DESIGN §2.5) -----------------------------------------------------------------

AGREEMENT_FIELDS = ["title", "terms", "start_date", "end_date"]


def _require_manage(*, actor: User, partner: Partner) -> None:
    if not (actor.is_vendor_staff and can_manage_partner(actor, partner)):
        raise PermissionDenied


def _require_legal(actor: User) -> None:
    if not (actor.is_admin or actor.role == Role.LEGAL):
        raise PermissionDenied


def _lock_agreement(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("partner").get(pk=agreement.pk)


def _agreement_move(*, agreement: Agreement, to_status: str, actor: User | None, note: str = ""):
    before = agreement.status
    agreement.status = to_status
    agreement.save()
    audit_record(
        actor=actor,
        action=f"agreement.{to_status}",
        obj=agreement,
        partner=agreement.partner,
        changes={"status": {"before": before, "after": to_status}},
        note=note,
    )


def _agreement_url(agreement: Agreement) -> str:
    return reverse("partners:agreement_detail", args=[agreement.pk])


def _partner_admins(partner: Partner) -> list[User]:
    return list(User.objects.filter(partner=partner, role=Role.PARTNER_ADMIN, is_active=True))


def _agreement_check_dates(start_date, end_date) -> None:
    if start_date and end_date and end_date <= start_date:
        raise ValidationError({"end_date": _("The end date must be after the start date.")})


@transaction.atomic
def agreement_create(
    *, partner: Partner, actor: User, title: str, start_date, end_date, terms: str = ""
) -> Agreement:
    """A new agreement (version 1, draft) numbered per partner; only the partner's managers."""
    _require_manage(actor=actor, partner=partner)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    _agreement_check_dates(start_date, end_date)
    sequence = Agreement.objects.filter(partner=partner, version=1).count() + 1
    agreement = Agreement(
        partner=partner,
        number=f"AGR-{partner.pk:05d}-{sequence:02d}",
        title=title,
        terms=terms,
        start_date=start_date,
        end_date=end_date,
        created_by=actor,
    )
    agreement.full_clean()
    agreement.save()
    audit_record(
        actor=actor,
        action="agreement.created",
        obj=agreement,
        partner=partner,
        changes=snapshot(agreement, AGREEMENT_FIELDS),
    )
    return agreement


@transaction.atomic
def agreement_update(*, agreement: Agreement, actor: User, **fields) -> Agreement:
    """Edit the terms of a draft; anything past draft is changed only by an amendment."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be edited; amend a signed agreement instead."))
    before = snapshot(agreement, AGREEMENT_FIELDS)
    for name, value in fields.items():
        if name not in AGREEMENT_FIELDS:
            raise ValueError(f"{name} is not an agreement field")
        setattr(agreement, name, value)
    _agreement_check_dates(agreement.start_date, agreement.end_date)
    agreement.full_clean()
    agreement.save()
    changes = diff(before, snapshot(agreement, AGREEMENT_FIELDS))
    if changes:
        audit_record(
            actor=actor,
            action="agreement.updated",
            obj=agreement,
            partner=agreement.partner,
            changes=changes,
        )
    return agreement


@transaction.atomic
def agreement_submit(*, agreement: Agreement, actor: User) -> Agreement:
    """Send a draft to legal review."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent to legal review."))
    _agreement_move(agreement=agreement, to_status=AgreementStatus.LEGAL_REVIEW, actor=actor)
    notify(
        recipients=User.objects.filter(role=Role.LEGAL, is_active=True),
        kind="partner.agreement_legal_review",
        title=_("Agreement %(number)s of %(partner)s waits for legal review"),
        url=_agreement_url(agreement),
        params={"number": str(agreement), "partner": agreement.partner.legal_name},
    )
    return agreement


def _business_approved(agreement: Agreement) -> bool:
    """True when the latest review of the current round is a business approval."""
    last = agreement.reviews.order_by("-created_at", "-pk").first()
    return (
        last is not None
        and last.stage == ReviewStage.BUSINESS
        and last.decision == ReviewDecision.APPROVED
    )


@transaction.atomic
def agreement_review(
    *, agreement: Agreement, actor: User, decision: str, comments: str = ""
) -> AgreementReview:
    """Record the legal (legal reviewers) or business (the partner's managers) review decision.

    Legal approval moves on to business review; a business approval waits for the signed
    document; either rejection sends the version back to draft with the comments.
    """
    agreement = _lock_agreement(agreement)
    comments = comments.strip()
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Choose approve or send back.")})
    if decision == ReviewDecision.REJECTED and not comments:
        raise ValidationError({"comments": _("Say what must change before it is sent back.")})
    if agreement.status == AgreementStatus.LEGAL_REVIEW:
        _require_legal(actor)
        stage = ReviewStage.LEGAL
    elif agreement.status == AgreementStatus.BUSINESS_REVIEW:
        _require_manage(actor=actor, partner=agreement.partner)
        if _business_approved(agreement):
            raise ValidationError(_("The business review is done; upload the signed document."))
        stage = ReviewStage.BUSINESS
    else:
        raise ValidationError(_("This agreement is not under review."))
    review = AgreementReview.objects.create(
        agreement=agreement, stage=stage, decision=decision, reviewer=actor, comments=comments
    )
    audit_record(
        actor=actor,
        action=f"agreement.{stage}_{decision}",
        obj=agreement,
        partner=agreement.partner,
        note=comments,
    )
    recipients = [agreement.created_by, agreement.partner.channel_manager]
    if decision == ReviewDecision.REJECTED:
        _agreement_move(agreement=agreement, to_status=AgreementStatus.DRAFT, actor=actor)
    elif stage == ReviewStage.LEGAL:
        _agreement_move(agreement=agreement, to_status=AgreementStatus.BUSINESS_REVIEW, actor=actor)
    notify(
        recipients=[u for u in recipients if u is not None and u.pk != actor.pk],
        kind="partner.agreement_reviewed",
        title=_("%(stage)s of agreement %(number)s: %(decision)s"),
        body=comments,
        url=_agreement_url(agreement),
        params={
            "stage": review.get_stage_display(),
            "number": str(agreement),
            "decision": review.get_decision_display(),
        },
    )
    return review


@transaction.atomic
def agreement_sign(*, agreement: Agreement, actor: User, document, signed_on) -> Agreement:
    """Store the signed document once both reviews approved; the version becomes signed."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.BUSINESS_REVIEW or not _business_approved(agreement):
        raise ValidationError(_("Both reviews must approve before the signed document is stored."))
    validate_document(document)
    if signed_on is None or signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The signature date cannot be in the future.")})
    agreement.signed_document = document
    agreement.signed_on = signed_on
    _agreement_move(agreement=agreement, to_status=AgreementStatus.SIGNED, actor=actor)
    return agreement


def _agreement_activate_locked(*, agreement: Agreement, actor: User | None) -> Agreement:
    previous = (
        Agreement.objects.select_for_update()
        .filter(number=agreement.number, status=AgreementStatus.ACTIVE)
        .exclude(pk=agreement.pk)
    )
    for old in previous:
        old.ended_at = timezone.now()
        _agreement_move(
            agreement=old,
            to_status=AgreementStatus.EXPIRED,
            actor=actor,
            note=f"superseded by {agreement}",
        )
    agreement.activated_at = timezone.now()
    _agreement_move(agreement=agreement, to_status=AgreementStatus.ACTIVE, actor=actor)
    return agreement


@transaction.atomic
def agreement_activate(*, agreement: Agreement, actor: User) -> Agreement:
    """Put a signed version in force from its start date; the version it amends ends."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status != AgreementStatus.SIGNED:
        raise ValidationError(_("Only a signed agreement can be activated."))
    if agreement.start_date > timezone.localdate():
        raise ValidationError(_("The agreement starts later; it activates on its start date."))
    if agreement.end_date < timezone.localdate():
        raise ValidationError(_("The agreement has already ended."))
    return _agreement_activate_locked(agreement=agreement, actor=actor)


@transaction.atomic
def agreement_terminate(
    *, agreement: Agreement, actor: User, reason: str, note: str = ""
) -> Agreement:
    """End a signed or active agreement early, for one of the reason categories of DESIGN §2.5."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if reason not in TerminationReason.values:
        raise ValidationError({"reason": _("Choose a termination reason.")})
    if agreement.status not in AGREEMENT_IN_FORCE:
        raise ValidationError(_("Only a signed or active agreement can be terminated."))
    agreement.termination_reason = reason
    agreement.termination_note = note.strip()
    agreement.ended_at = timezone.now()
    _agreement_move(
        agreement=agreement, to_status=AgreementStatus.TERMINATED, actor=actor, note=note
    )
    notify(
        recipients=[agreement.partner.channel_manager, *_partner_admins(agreement.partner)],
        kind="partner.agreement_terminated",
        title=_("Agreement %(number)s was terminated: %(reason)s"),
        body=note,
        url=_agreement_url(agreement),
        params={"number": str(agreement), "reason": agreement.get_termination_reason_display()},
    )
    return agreement


@transaction.atomic
def agreement_amend(*, agreement: Agreement, actor: User) -> Agreement:
    """Start the next version (a draft copy) of a signed or active agreement."""
    agreement = _lock_agreement(agreement)
    _require_manage(actor=actor, partner=agreement.partner)
    if agreement.status not in AGREEMENT_IN_FORCE:
        raise ValidationError(_("Only a signed or active agreement can be amended."))
    if Agreement.objects.filter(number=agreement.number, status__in=AGREEMENT_IN_PROGRESS).exists():
        raise ValidationError(_("A version of this agreement is already in progress."))
    latest = Agreement.objects.filter(number=agreement.number).order_by("-version").first()
    amendment = Agreement.objects.create(
        partner=agreement.partner,
        number=agreement.number,
        version=latest.version + 1,
        amends=agreement,
        title=agreement.title,
        terms=agreement.terms,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="agreement.amended",
        obj=amendment,
        partner=agreement.partner,
        note=str(agreement),
    )
    return amendment


def agreement_activate_due(*, today: datetime.date | None = None) -> int:
    """Activate signed versions whose start date has come (daily job); returns how many."""
    today = today or timezone.localdate()
    count = 0
    ids = list(
        Agreement.objects.filter(
            status=AgreementStatus.SIGNED, start_date__lte=today, end_date__gte=today
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=pk)
            if agreement.status == AgreementStatus.SIGNED:
                _agreement_activate_locked(agreement=agreement, actor=None)
                count += 1
    return count


def agreement_expire_due(*, today: datetime.date | None = None) -> int:
    """Expire active and signed versions whose end date has passed (daily job, idempotent)."""
    today = today or timezone.localdate()
    due = Agreement.objects.filter(status__in=AGREEMENT_IN_FORCE, end_date__lt=today)
    count = 0
    for pk in due.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().select_related("partner").get(pk=pk)
            if agreement.status not in AGREEMENT_IN_FORCE or agreement.end_date >= today:
                continue
            agreement.ended_at = timezone.now()
            _agreement_move(agreement=agreement, to_status=AgreementStatus.EXPIRED, actor=None)
            count += 1
            notify(
                recipients=[agreement.partner.channel_manager],
                kind="partner.agreement_expired",
                title=_("Agreement %(number)s of %(partner)s has expired"),
                url=_agreement_url(agreement),
                params={"number": str(agreement), "partner": agreement.partner.legal_name},
            )
    return count


def agreement_reminder_windows() -> list[tuple[int, int]]:
    """(threshold, exclusive lower bound) in days left: 90 covers 90..31, 30 covers 30..8, 7 covers
    7..0, so a day the job missed still sends the threshold once."""
    days = AGREEMENT_REMINDER_DAYS
    return [(t, days[i + 1] if i + 1 < len(days) else -1) for i, t in enumerate(days)]


def agreement_reminder_threshold(days_left: int) -> int | None:
    """The reminder threshold a number of days before expiry falls in: 90, 30, 7 or none."""
    for threshold, lower in agreement_reminder_windows():
        if lower < days_left <= threshold:
            return threshold
    return None


def agreement_send_reminders(*, today: datetime.date | None = None) -> int:
    """Send each due renewal reminder once (daily job); the constraint makes a rerun a no-op.

    One query per threshold picks the active agreements inside its window that have not had
    it yet; versions already renewed (a later version signed or active that ends later) get none.
    """
    today = today or timezone.localdate()
    renewed = Agreement.objects.filter(
        number=OuterRef("number"),
        version__gt=OuterRef("version"),
        status__in=AGREEMENT_IN_FORCE,
        end_date__gt=OuterRef("end_date"),
    )
    sent = 0
    for threshold, lower in agreement_reminder_windows():
        due = (
            Agreement.objects.filter(
                status=AgreementStatus.ACTIVE,
                end_date__gt=today + datetime.timedelta(days=lower),
                end_date__lte=today + datetime.timedelta(days=threshold),
            )
            .exclude(Exists(renewed))
            .exclude(
                Exists(
                    AgreementReminder.objects.filter(
                        agreement=OuterRef("pk"), days_before=threshold
                    )
                )
            )
            .select_related("partner__channel_manager")
        )
        for agreement in due.iterator(chunk_size=500):
            if _agreement_remind(agreement=agreement, threshold=threshold, today=today):
                sent += 1
    return sent


def _agreement_remind(*, agreement: Agreement, threshold: int, today: datetime.date) -> bool:
    """Record the reminder and notify; False when a concurrent run recorded it first."""
    try:
        with transaction.atomic():
            AgreementReminder.objects.create(agreement=agreement, days_before=threshold)
            notify(
                recipients=[agreement.partner.channel_manager, *_partner_admins(agreement.partner)],
                kind="partner.agreement_renewal",
                title=_("Agreement %(number)s expires in %(days)s days (%(date)s)"),
                body=_("Start the renewal of the agreement with %(partner)s."),
                url=_agreement_url(agreement),
                params={
                    "number": str(agreement),
                    "days": (agreement.end_date - today).days,
                    "date": agreement.end_date.isoformat(),
                    "partner": agreement.partner.legal_name,
                },
            )
    except IntegrityError:
        return False
    return True


# --- credit limits (DESIGN §2.6) --------------------------------------------------------------


def _require_finance(actor: User) -> None:
    if not (actor.is_admin or actor.role in FINANCE_ROLES):
        raise PermissionDenied


@transaction.atomic
def credit_application_submit(
    *,
    partner: Partner,
    actor: User,
    kind: str,
    amount: Decimal,
    justification: str,
    project_name: str = "",
    valid_until=None,
) -> CreditApplication:
    """A partner finance user asks for a normal or a special (project) credit limit."""
    if actor.role != Role.PARTNER_FINANCE or actor.partner_id != partner.pk:
        raise PermissionDenied
    if kind not in CreditKind.values:
        raise ValidationError({"kind": _("Choose a kind of credit limit.")})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The amount must be greater than zero.")})
    if not justification.strip():
        raise ValidationError({"justification": _("Explain why the limit is needed.")})
    if kind == CreditKind.SPECIAL and not project_name.strip():
        raise ValidationError({"project_name": _("A special credit limit names its project.")})
    if valid_until is not None and valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("This date is in the past.")})
    if CreditApplication.objects.filter(
        partner=partner, kind=kind, status=CreditStatus.SUBMITTED
    ).exists():
        raise ValidationError(_("An application of this kind is already waiting."))
    application = CreditApplication(
        partner=partner,
        kind=kind,
        amount=round_money(Decimal(amount), partner.contract_currency),
        currency=partner.contract_currency,
        justification=justification.strip(),
        project_name=project_name.strip() if kind == CreditKind.SPECIAL else "",
        valid_until=valid_until if kind == CreditKind.SPECIAL else None,
        requested_by=actor,
    )
    application.full_clean()
    application.save()
    audit_record(
        actor=actor,
        action="credit_application.submitted",
        obj=application,
        partner=partner,
        changes={"kind": kind, "amount": str(application.amount)},
    )
    notify(
        recipients=User.objects.filter(role=Role.FINANCE, is_active=True),
        kind="partner.credit_submitted",
        title=_("Credit limit application from %(partner)s: %(amount)s %(currency)s"),
        url=reverse("partners:credit_detail", args=[application.pk]),
        params={
            "partner": partner.legal_name,
            "amount": application.amount,
            "currency": application.currency,
        },
    )
    return application


def _lock_open_credit(application: CreditApplication) -> CreditApplication:
    application = (
        CreditApplication.objects.select_for_update()
        .select_related("partner")
        .get(pk=application.pk)
    )
    if application.status != CreditStatus.SUBMITTED:
        raise ValidationError(_("This application was already decided."))
    return application


def _credit_decided(*, application: CreditApplication, actor: User, status: str, note: str):
    application.status = status
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_note = note.strip()
    application.save()
    audit_record(
        actor=actor,
        action=f"credit_application.{status}",
        obj=application,
        partner=application.partner,
        changes={"status": {"before": CreditStatus.SUBMITTED, "after": status}},
        note=note,
    )
    notify(
        recipients=[application.requested_by],
        kind="partner.credit_decided",
        title=_("Your credit limit application was %(decision)s"),
        body=note,
        url=reverse("partners:credit_detail", args=[application.pk]),
        params={"decision": application.get_status_display().lower()},
    )


@transaction.atomic
def credit_application_approve(
    *, application: CreditApplication, actor: User, note: str = ""
) -> CreditApplication:
    """Finance approves; a normal limit replaces the partner's credit limit (audited)."""
    _require_finance(actor)
    application = _lock_open_credit(application)
    if application.kind == CreditKind.NORMAL:
        partner = Partner.objects.select_for_update().get(pk=application.partner_id)
        before = partner.credit_limit
        partner.credit_limit = application.amount
        partner.save(update_fields=["credit_limit", "updated_at"])
        audit_record(
            actor=actor,
            action="partner.credit_limit_changed",
            obj=partner,
            changes={"credit_limit": {"before": str(before), "after": str(application.amount)}},
            note=str(application.pk),
        )
    _credit_decided(application=application, actor=actor, status=CreditStatus.APPROVED, note=note)
    return application


@transaction.atomic
def credit_application_reject(
    *, application: CreditApplication, actor: User, note: str
) -> CreditApplication:
    """Finance rejects, saying why."""
    _require_finance(actor)
    if not note.strip():
        raise ValidationError({"note": _("Give a reason for the rejection.")})
    application = _lock_open_credit(application)
    _credit_decided(application=application, actor=actor, status=CreditStatus.REJECTED, note=note)
    return application


@transaction.atomic
def credit_application_withdraw(
    *, application: CreditApplication, actor: User
) -> CreditApplication:
    """The requesting company withdraws a waiting application."""
    if not actor.is_partner_user or actor.partner_id != application.partner_id:
        raise PermissionDenied
    application = _lock_open_credit(application)
    application.status = CreditStatus.WITHDRAWN
    application.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="credit_application.withdrawn",
        obj=application,
        partner=application.partner,
        changes={"status": {"before": CreditStatus.SUBMITTED, "after": CreditStatus.WITHDRAWN}},
    )
    return application


# --- business reports and visits (DESIGN §2.8) ------------------------------------------------

REPORT_FIELDS = ["pipeline", "marketing_activities", "customer_feedback", "support_needed"]


@transaction.atomic
def business_report_submit(
    *, partner: Partner, actor: User, month: datetime.date, **fields
) -> BusinessReport:
    """A partner user submits the monthly report (one per month; not for a future month)."""
    if not actor.is_partner_user or actor.partner_id != partner.pk:
        raise PermissionDenied
    if month is None:
        raise ValidationError({"month": _("Choose the month.")})
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("A report covers a month that has started.")})
    if not (fields.get("pipeline") or "").strip():
        raise ValidationError({"pipeline": _("Describe the pipeline.")})
    if BusinessReport.objects.filter(partner=partner, month=month).exists():
        raise ValidationError({"month": _("A report for this month already exists.")})
    report = BusinessReport(
        partner=partner,
        month=month,
        submitted_by=actor,
        submitted_at=timezone.now(),
        **{name: (fields.get(name) or "").strip() for name in REPORT_FIELDS},
    )
    report.full_clean()
    report.save()
    audit_record(actor=actor, action="business_report.submitted", obj=report, partner=partner)
    notify(
        recipients=[partner.channel_manager],
        kind="partner.report_submitted",
        title=_("%(partner)s submitted its business report for %(month)s"),
        url=reverse("partners:report_detail", args=[report.pk]),
        params={"partner": partner.legal_name, "month": month.strftime("%Y-%m")},
    )
    return report


@transaction.atomic
def business_report_resubmit(*, report: BusinessReport, actor: User, **fields) -> BusinessReport:
    """The partner corrects a report the manager returned, and submits it again."""
    report = BusinessReport.objects.select_for_update().select_related("partner").get(pk=report.pk)
    if not actor.is_partner_user or actor.partner_id != report.partner_id:
        raise PermissionDenied
    if report.status != ReportStatus.RETURNED:
        raise ValidationError(_("Only a returned report can be changed."))
    if not (fields.get("pipeline") or "").strip():
        raise ValidationError({"pipeline": _("Describe the pipeline.")})
    before = snapshot(report, REPORT_FIELDS + ["status"])
    for name in REPORT_FIELDS:
        setattr(report, name, (fields.get(name) or "").strip())
    report.status = ReportStatus.SUBMITTED
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.save()
    audit_record(
        actor=actor,
        action="business_report.resubmitted",
        obj=report,
        partner=report.partner,
        changes=diff(before, snapshot(report, REPORT_FIELDS + ["status"])),
    )
    return report


@transaction.atomic
def business_report_review(
    *, report: BusinessReport, actor: User, comment: str, accept: bool
) -> BusinessReport:
    """The partner's manager reviews a submitted report: accepts it or returns it with a comment."""
    report = BusinessReport.objects.select_for_update().select_related("partner").get(pk=report.pk)
    _require_manage(actor=actor, partner=report.partner)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say what must change before returning it.")})
    to_status = ReportStatus.REVIEWED if accept else ReportStatus.RETURNED
    report.status = to_status
    report.review_comment = comment
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save()
    audit_record(
        actor=actor,
        action=f"business_report.{to_status}",
        obj=report,
        partner=report.partner,
        changes={"status": {"before": ReportStatus.SUBMITTED, "after": to_status}},
        note=comment,
    )
    notify(
        recipients=[report.submitted_by],
        kind="partner.report_reviewed",
        title=_("Your business report for %(month)s: %(status)s"),
        body=comment,
        url=reverse("partners:report_detail", args=[report.pk]),
        params={"month": report.month.strftime("%Y-%m"), "status": report.get_status_display()},
    )
    return report


VISIT_FIELDS = ["kind", "planned_on", "agenda", "attendees"]


@transaction.atomic
def visit_plan(
    *, partner: Partner, actor: User, kind: str, planned_on, agenda: str = "", attendees=""
) -> PartnerVisit:
    """A channel manager plans a visit to one of the partners they manage."""
    _require_manage(actor=actor, partner=partner)
    if planned_on is None:
        raise ValidationError({"planned_on": _("Choose the date.")})
    visit = PartnerVisit(
        partner=partner,
        manager=actor,
        kind=kind,
        planned_on=planned_on,
        agenda=agenda.strip(),
        attendees=attendees.strip(),
    )
    visit.full_clean()
    visit.save()
    audit_record(actor=actor, action="visit.planned", obj=visit, partner=partner)
    return visit


@transaction.atomic
def visit_record(
    *, visit: PartnerVisit, actor: User, visited_on, summary: str, next_steps: str = ""
) -> PartnerVisit:
    """Record what happened at a planned visit; the visit is then done."""
    visit = PartnerVisit.objects.select_for_update().select_related("partner").get(pk=visit.pk)
    _require_manage(actor=actor, partner=visit.partner)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be recorded."))
    if visited_on is None or visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit is recorded once it has happened.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Summarise the visit.")})
    visit.status = VisitStatus.DONE
    visit.visited_on = visited_on
    visit.summary = summary.strip()
    visit.next_steps = next_steps.strip()
    visit.save()
    audit_record(
        actor=actor,
        action="visit.done",
        obj=visit,
        partner=visit.partner,
        changes={"status": {"before": VisitStatus.PLANNED, "after": VisitStatus.DONE}},
    )
    return visit


@transaction.atomic
def visit_cancel(*, visit: PartnerVisit, actor: User) -> PartnerVisit:
    """Cancel a planned visit."""
    visit = PartnerVisit.objects.select_for_update().select_related("partner").get(pk=visit.pk)
    _require_manage(actor=actor, partner=visit.partner)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be cancelled."))
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="visit.cancelled",
        obj=visit,
        partner=visit.partner,
        changes={"status": {"before": VisitStatus.PLANNED, "after": VisitStatus.CANCELLED}},
    )
    return visit
