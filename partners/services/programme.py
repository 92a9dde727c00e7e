"""Writes of the partner programme: quarterly tier evaluation and its proposals, NPS
answers (DESIGN §2.3, §2.4).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import can_manage_partner
from core.notifications import Audience, choice_label, notify, partner_recipients
from core.periods import Quarter
from core.transitions import Notice, transition_record

from .. import inputs
from ..choices import (
    NpsSource,
    PartnerStatus,
    ProposalStatus,
    TierOutcome,
    ViolationStatus,
)
from ..models import (
    NpsResponse,
    Partner,
    Tier,
    TierChange,
    TierEvaluation,
)
from ..rules import (
    qualified_tier,
    tier_decision,
)

EVALUATION_CHUNK = 2000


def _tier_recipients(partner: Partner) -> list[User]:
    """Who answers for a partner's tier: its channel manager, else every channel director."""
    if partner.channel_manager_id:
        return [partner.channel_manager]
    return list(User.objects.filter(role=Role.CHANNEL_DIRECTOR, is_active=True))


def _partner_admins(partner: Partner) -> list[User]:
    return partner_recipients(partner=partner, audience=Audience.ADMINS)


# Not atomic as a whole: a batch job committed chunk by chunk (each chunk is atomic).
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
        transition_record(
            proposal,
            actor=None,
            action=f"tier.{proposal.outcome}_proposed",
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
    params = {
        "partner": partner.legal_name,
        "before": choice_label(before, "code"),
        "after": choice_label(evaluation.proposed_tier, "code"),
    }
    transition_record(
        partner,
        actor=actor,
        action="partner.tier_changed",
        changes={
            "tier": {"before": before.code, "after": evaluation.proposed_tier.code},
            **evaluation.figures,
        },
        note=evaluation.decision_note,
        notice=[
            Notice(
                recipients=_partner_admins(partner),
                kind="partner.tier_changed",
                title=_("Your partner tier changed from %(before)s to %(after)s"),
                url=reverse("partners:my_company"),
                params=params,
            ),
            Notice(
                recipients=[u for u in _tier_recipients(partner) if u.pk != actor.pk],
                kind="partner.tier_changed",
                title=_("%(partner)s moved from %(before)s to %(after)s"),
                url=reverse("partners:partner_detail", args=[partner.pk]),
                params=params,
            ),
        ],
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
    transition_record(
        evaluation,
        actor=actor,
        action="tier.proposal_rejected",
        partner=evaluation.partner,
        changes={"status": {"before": ProposalStatus.PENDING, "after": ProposalStatus.REJECTED}},
        note=evaluation.decision_note,
        notice=Notice(
            recipients=[u for u in _tier_recipients(evaluation.partner) if u.pk != actor.pk],
            kind="partner.tier_proposal_rejected",
            title=_("The tier proposal for %(partner)s was rejected"),
            body=evaluation.decision_note,
            url=reverse("partners:partner_detail", args=[evaluation.partner_id]),
            params={"partner": evaluation.partner.legal_name},
        ),
    )
    return evaluation


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
    transition_record(
        response,
        actor=actor,
        action="nps.recorded",
        partner=partner,
        changes={"quarter": quarter, "score": response.score},
    )
    return response
