"""Credit rating with its lower-limit proposals (DESIGN §2.6) and the NPS early warning (§2.4).

Both run each quarter over every partner, set-based, in chunks of partners each in its own
transaction; a second run of a quarter changes nothing (one quarterly rating and one warning per
partner and quarter, enforced by the database). A rating can also be asked for at any time by
finance. Payment behaviour comes from the settlement app through `partners.inputs`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import FINANCE_ROLES, Role
from accounts.models import User
from core.fx import FxRateMissing, fx_rate
from core.money import round_money
from core.notifications import notify
from core.periods import Quarter
from core.transitions import transition_record

from .. import inputs
from ..choices import (
    CreditKind,
    CreditRatingKind,
    CreditStatus,
    LimitProposalReason,
    LimitProposalStatus,
    NpsWarningLevel,
    PartnerStatus,
)
from ..models import (
    CreditApplication,
    CreditLimitProposal,
    CreditRating,
    NpsWarning,
    Partner,
)
from ..rules import (
    GRADE_DROP_ALERT,
    credit_grade_drop,
    credit_limit_suggested,
    credit_rating,
    nps_warning_level,
)
from ..selectors.programme import partner_nps_for_quarters
from .credit import partner_credit_limit_set

RISK_CHUNK = 1000


def _require_finance(actor: User) -> None:
    if not (actor.is_admin or actor.role in FINANCE_ROLES):
        raise PermissionDenied


def _finance_users():
    return User.objects.filter(role=Role.FINANCE, is_active=True)


# --- credit rating -----------------------------------------------------------------------------


class _Rates:
    """FX rates of one run, each pair read once."""

    def __init__(self, on: datetime.date):
        self.on = on
        self._cache: dict[tuple[str, str], Decimal | None] = {}

    def convert(self, amount: Decimal, base: str, quote: str) -> Decimal | None:
        key = (base, quote)
        if key not in self._cache:
            try:
                self._cache[key] = fx_rate(base, quote, self.on)
            except FxRateMissing:
                self._cache[key] = None
        rate = self._cache[key]
        return None if rate is None else amount * rate


def _special_limits(partner_ids: list[int], on: datetime.date) -> dict[int, Decimal]:
    """Approved special (project) limits in force on `on`, per partner."""
    return dict(
        CreditApplication.objects.unrestricted("credit rating, by partner ids")
        .filter(partner_id__in=partner_ids, kind=CreditKind.SPECIAL, status=CreditStatus.APPROVED)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .values("partner_id")
        .annotate(total=Sum("amount"))
        .values_list("partner_id", "total")
    )


def _previous_grades(partner_ids: list[int]) -> dict[int, str]:
    """Each partner's latest grade so far."""
    return dict(
        CreditRating.objects.unrestricted("credit rating, by partner ids")
        .filter(partner_id__in=partner_ids)
        .order_by("partner_id", "-created_at", "-pk")
        .distinct("partner_id")
        .values_list("partner_id", "grade")
    )


def _ratings_build(
    partners: list[Partner], *, kind: str, quarter: Quarter, as_of: datetime.date, actor=None
) -> list[CreditRating]:
    """Unsaved ratings of `partners` (loaded with their limit, currency and class)."""
    ids = [p.pk for p in partners]
    behaviour = inputs.payment_behaviour_by_partner(partner_ids=ids, as_of=as_of)
    specials = _special_limits(ids, as_of)
    previous = _previous_grades(ids)
    rates = _Rates(as_of)
    ratings = []
    for partner in partners:
        figures = behaviour.get(partner.pk) or {}
        currency = partner.contract_currency
        overdue = Decimal("0")
        missing = []
        for cur, amount in sorted((figures.get("overdue") or {}).items()):
            converted = rates.convert(Decimal(amount), cur, currency)
            if converted is None:
                missing.append(cur)
            else:
                overdue += converted
        overdue = round_money(overdue, currency)
        limit = partner.credit_limit + specials.get(partner.pk, Decimal("0"))
        result = credit_rating(
            orders_due=figures.get("orders_due", 0),
            orders_late=figures.get("orders_late", 0),
            days_late_total=figures.get("days_late_total", 0),
            overdue=overdue,
            limit=limit,
            disputes_lost=figures.get("disputes_lost", 0),
            classification=partner.classification,
        )
        ratings.append(
            CreditRating(
                partner=partner,
                kind=kind,
                quarter=str(quarter),
                as_of=as_of,
                grade=result["grade"],
                previous_grade=previous.get(partner.pk, ""),
                points=result["points"],
                currency=currency,
                credit_limit=limit,
                overdue_exposure=overdue,
                average_days_late=result["average_days_late"],
                share_late=result["share_late"],
                disputes_lost=figures.get("disputes_lost", 0),
                classification=partner.classification,
                figures={
                    "orders_due": figures.get("orders_due", 0),
                    "orders_late": figures.get("orders_late", 0),
                    "days_late_total": figures.get("days_late_total", 0),
                    "overdue_by_currency": {
                        cur: str(amount) for cur, amount in (figures.get("overdue") or {}).items()
                    },
                    "normal_limit": str(partner.credit_limit),
                    "special_limit": str(specials.get(partner.pk, Decimal("0"))),
                    "penalties": result["penalties"],
                    "rate_missing": missing,
                },
                rated_by=actor,
            )
        )
    return ratings


def _alert_reason(rating: CreditRating) -> str | None:
    dropped = credit_grade_drop(rating.previous_grade, rating.grade) >= GRADE_DROP_ALERT
    over = rating.over_limit
    if dropped and over:
        return LimitProposalReason.BOTH
    if dropped:
        return LimitProposalReason.GRADE_DROP
    if over:
        return LimitProposalReason.OVER_LIMIT
    return None


def _credit_alerts(ratings: list[CreditRating]) -> list[CreditLimitProposal]:
    """For each rating that dropped two grades or more or whose overdue exposure is above the
    limit: a lower limit proposal (unless one is waiting, or the limit is already nil) and one
    notification to finance for them all."""
    alerted = [(r, reason) for r in ratings if (reason := _alert_reason(r))]
    if not alerted:
        return []
    waiting = set(
        CreditLimitProposal.objects.filter(
            partner_id__in=[r.partner_id for r, _ in alerted], status=LimitProposalStatus.PENDING
        ).values_list("partner_id", flat=True)
    )
    proposals = []
    for rating, reason in alerted:
        normal = rating.partner.credit_limit
        proposed = round_money(
            credit_limit_suggested(limit=normal, grade=rating.grade), rating.currency
        )
        if rating.partner_id in waiting or normal <= 0 or proposed >= normal:
            continue
        proposal = CreditLimitProposal.objects.create(
            partner=rating.partner,
            rating=rating,
            reason=reason,
            current_limit=normal,
            proposed_limit=proposed,
            currency=rating.currency,
        )
        transition_record(
            proposal,
            actor=rating.rated_by,
            action="credit_limit_proposal.created",
            partner=rating.partner,
            changes={
                "credit_limit": {"before": str(normal), "after": str(proposed)},
                "grade": {"before": rating.previous_grade, "after": rating.grade},
                "overdue_exposure": str(rating.overdue_exposure),
                "reason": reason,
            },
        )
        proposals.append(proposal)
    if len(alerted) == 1:
        rating, reason = alerted[0]
        title = _("Credit alert for %(partner)s: rated %(grade)s (%(reason)s)")
        params = {
            "partner": rating.partner.legal_name,
            "grade": rating.grade,
            "reason": LimitProposalReason(reason).label,
        }
    else:
        title = _("Credit alerts for %(count)s partners after the rating of %(quarter)s")
        params = {"count": len(alerted), "quarter": alerted[0][0].quarter}
    notify(
        recipients=_finance_users(),
        kind="partner.credit_alert",
        title=title,
        url=reverse("partners:credit_proposal_list"),
        params=params,
    )
    return proposals


def credit_rating_run(*, quarter: Quarter, partner_ids: list[int] | None = None) -> dict:
    """Rate every partner (not terminated) as of the end of `quarter` (quarterly job).

    Idempotent: a partner already rated for the quarter is skipped. Each chunk of partners is one
    transaction: its ratings, the proposals and the finance notification of its alerts.
    """
    partners = Partner.objects.exclude(status=PartnerStatus.TERMINATED).order_by("pk")
    if partner_ids is not None:
        partners = partners.filter(pk__in=partner_ids)
    ids = list(partners.values_list("pk", flat=True))
    summary = {"rated": 0, "skipped": 0, "alerts": 0, "proposals": 0}
    for start in range(0, len(ids), RISK_CHUNK):
        chunk = _credit_rating_chunk(quarter=quarter, partner_ids=ids[start : start + RISK_CHUNK])
        for key, value in chunk.items():
            summary[key] += value
    return summary


@transaction.atomic
def _credit_rating_chunk(*, quarter: Quarter, partner_ids: list[int]) -> dict:
    done = set(
        CreditRating.objects.filter(
            partner_id__in=partner_ids, quarter=str(quarter), kind=CreditRatingKind.QUARTERLY
        ).values_list("partner_id", flat=True)
    )
    todo = [pid for pid in partner_ids if pid not in done]
    summary = {"rated": 0, "skipped": len(done), "alerts": 0, "proposals": 0}
    if not todo:
        return summary
    partners = list(Partner.objects.filter(pk__in=todo).order_by("pk"))
    ratings = _ratings_build(
        partners, kind=CreditRatingKind.QUARTERLY, quarter=quarter, as_of=quarter.end
    )
    CreditRating.objects.bulk_create(ratings)
    proposals = _credit_alerts(ratings)
    summary["rated"] = len(ratings)
    summary["alerts"] = sum(1 for r in ratings if _alert_reason(r))
    summary["proposals"] = len(proposals)
    return summary


@transaction.atomic
def credit_rating_evaluate(*, partner: Partner, actor: User) -> CreditRating:
    """Finance rates one partner now (on demand): the same rules as the quarterly run, as of
    today; an alert proposes a lower limit and notifies finance like the quarterly run."""
    _require_finance(actor)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.status == PartnerStatus.TERMINATED:
        raise ValidationError(_("A terminated partner is not rated."))
    today = timezone.localdate()
    (rating,) = _ratings_build(
        [partner],
        kind=CreditRatingKind.ON_DEMAND,
        quarter=Quarter.containing(today),
        as_of=today,
        actor=actor,
    )
    rating.save()
    transition_record(
        rating,
        actor=actor,
        action="credit_rating.rated",
        partner=partner,
        changes={"grade": {"before": rating.previous_grade, "after": rating.grade}},
    )
    _credit_alerts([rating])
    return rating


def _lock_pending_proposal(proposal: CreditLimitProposal) -> CreditLimitProposal:
    proposal = (
        CreditLimitProposal.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=proposal.pk)
    )
    if proposal.status != LimitProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    return proposal


def _proposal_decided(*, proposal: CreditLimitProposal, actor: User, status: str, note: str):
    proposal.status = status
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    transition_record(
        proposal,
        actor=actor,
        action=f"credit_limit_proposal.{status}",
        partner=proposal.partner,
        changes={"status": {"before": LimitProposalStatus.PENDING, "after": status}},
        note=note,
    )


@transaction.atomic
def credit_limit_proposal_approve(
    *, proposal: CreditLimitProposal, actor: User, note: str = ""
) -> CreditLimitProposal:
    """Finance accepts the lower limit: it is set through `partner_credit_limit_set` (audited)."""
    _require_finance(actor)
    proposal = _lock_pending_proposal(proposal)
    if proposal.partner.credit_limit <= proposal.proposed_limit:
        raise ValidationError(
            _("The credit limit is already at or below the proposed limit; reject the proposal.")
        )
    partner_credit_limit_set(
        partner=proposal.partner,
        actor=actor,
        amount=proposal.proposed_limit,
        note=note.strip() or str(LimitProposalReason(proposal.reason).label),
    )
    _proposal_decided(
        proposal=proposal, actor=actor, status=LimitProposalStatus.APPROVED, note=note
    )
    return proposal


@transaction.atomic
def credit_limit_proposal_reject(
    *, proposal: CreditLimitProposal, actor: User, note: str
) -> CreditLimitProposal:
    """Finance keeps the limit, saying why."""
    _require_finance(actor)
    if not (note or "").strip():
        raise ValidationError({"note": _("Give a reason for the rejection.")})
    proposal = _lock_pending_proposal(proposal)
    _proposal_decided(
        proposal=proposal, actor=actor, status=LimitProposalStatus.REJECTED, note=note
    )
    return proposal


# --- NPS early warning -------------------------------------------------------------------------


def nps_warning_run(*, quarter: Quarter, partner_ids: list[int] | None = None) -> dict:
    """Grade every partner surveyed in `quarter` red, yellow or blue against its previous quarter
    and the programme floor (quarterly job); red and yellow notify the channel manager.
    Idempotent: a partner already graded for the quarter is skipped."""
    partners = Partner.objects.exclude(status=PartnerStatus.TERMINATED).order_by("pk")
    if partner_ids is not None:
        partners = partners.filter(pk__in=partner_ids)
    ids = list(partners.values_list("pk", flat=True))
    summary = dict.fromkeys(NpsWarningLevel.values, 0) | {"skipped": 0}
    for start in range(0, len(ids), RISK_CHUNK):
        chunk = _nps_warning_chunk(quarter=quarter, partner_ids=ids[start : start + RISK_CHUNK])
        for key, value in chunk.items():
            summary[key] += value
    return summary


@transaction.atomic
def _nps_warning_chunk(*, quarter: Quarter, partner_ids: list[int]) -> dict:
    summary: dict[str, int] = defaultdict(int)
    done = set(
        NpsWarning.objects.filter(partner_id__in=partner_ids, quarter=str(quarter)).values_list(
            "partner_id", flat=True
        )
    )
    summary["skipped"] = len(done)
    todo = [pid for pid in partner_ids if pid not in done]
    if not todo:
        return summary
    previous_quarter = str(quarter.previous())
    nps = partner_nps_for_quarters(quarters=[quarter, previous_quarter], partner_ids=todo)
    warnings = []
    for pid in todo:
        now = nps.get((pid, str(quarter)))
        if now is None:
            continue
        before = nps.get((pid, previous_quarter))
        level = nps_warning_level(nps=now, previous=before)
        warnings.append(
            NpsWarning(
                partner_id=pid, quarter=str(quarter), level=level, nps=now, previous_nps=before
            )
        )
        summary[level] += 1
    NpsWarning.objects.bulk_create(warnings)
    _nps_warnings_announce(
        [w for w in warnings if w.level != NpsWarningLevel.BLUE], quarter=quarter
    )
    return summary


def _nps_warnings_announce(warnings: list[NpsWarning], *, quarter: Quarter) -> None:
    """One notification per channel manager for the red and yellow warnings of their partners."""
    if not warnings:
        return
    managers = dict(
        Partner.objects.filter(pk__in=[w.partner_id for w in warnings]).values_list(
            "pk", "channel_manager_id"
        )
    )
    counts: dict[int, int] = defaultdict(int)
    for warning in warnings:
        if managers.get(warning.partner_id):
            counts[managers[warning.partner_id]] += 1
    for manager in User.objects.filter(pk__in=list(counts)):
        notify(
            recipients=[manager],
            kind="partner.nps_warning",
            title=_("%(count)s of your partners have an NPS warning for %(quarter)s"),
            url=reverse("partners:nps_warning_list") + f"?quarter={quarter}",
            params={"count": counts[manager.pk], "quarter": str(quarter)},
        )
