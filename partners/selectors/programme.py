"""Reads of the partner programme (DESIGN §2.2–§2.4): tiers, scorecards, NPS and specializations,
scoped to what the user may see.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.scoping import get_scoped_or_404
from core.periods import Quarter

from ..choices import PartnerStatus, ProposalStatus
from ..models import (
    NpsResponse,
    Partner,
    Scorecard,
    ScorecardWeights,
    ScorecardWeightSet,
    TierChange,
    TierEvaluation,
)
from ..rules import DETRACTOR_UP_TO, PROMOTER_FROM, normalise_specialization, nps_from_counts


def tier_proposal_list_for(*, user: User):
    """Tier proposals of the partners the user manages (administrators and directors: all);
    `partners.lists.TIER_PROPOSAL_LIST` filters and sorts them."""
    return (
        TierEvaluation.objects.manageable_by(user)
        .exclude(status=ProposalStatus.NONE)
        .select_related("partner", "current_tier", "qualified_tier", "proposed_tier", "decided_by")
    )


def tier_proposal_get_for(*, user: User, pk) -> TierEvaluation:
    """A proposal the user may decide on; 404 for anything else."""
    return get_scoped_or_404(
        TierEvaluation.objects.exclude(status=ProposalStatus.NONE).select_related(
            "partner", "current_tier", "qualified_tier", "proposed_tier", "decided_by"
        ),
        user,
        "manage",
        pk=pk,
    )


def tier_proposal_decidable_for(*, user: User):
    """Proposals the user may decide on, whatever their status: a bulk decision re-reads its
    selection here, so one decided meanwhile answers with the service's own refusal."""
    return (
        TierEvaluation.objects.manageable_by(user)
        .exclude(status=ProposalStatus.NONE)
        .select_related("partner", "current_tier", "qualified_tier", "proposed_tier")
    )


def tier_evaluation_list_for(*, user: User, partner: Partner | None = None):
    qs = TierEvaluation.objects.visible_to(user).select_related(
        "partner", "current_tier", "qualified_tier", "proposed_tier", "decided_by"
    )
    return qs.filter(partner=partner) if partner is not None else qs


def tier_history_for(*, user: User, partner: Partner):
    return (
        TierChange.objects.visible_to(user)
        .filter(partner=partner)
        .select_related("from_tier", "to_tier", "changed_by", "evaluation")
    )


def scorecard_weights_current() -> ScorecardWeights:
    """The weights in force: the latest saved row, or the defaults of DESIGN §2.4 (unsaved)."""
    return ScorecardWeights.objects.order_by("-created_at", "-pk").first() or ScorecardWeights()


def scorecard_weight_sets() -> list[ScorecardWeightSet]:
    """Every weight set by type and region (not partner data: the evaluations read them all)."""
    return list(ScorecardWeightSet.objects.order_by("pk"))


def scorecard_weight_set_list_for(*, user: User):
    """The weight sets vendor staff read (settings page and API); partner users see none."""
    sets = ScorecardWeightSet.objects.select_related("changed_by").order_by("name", "pk")
    return sets if user.is_vendor_staff else sets.none()


def scorecard_weight_set_get_for(*, user: User, pk) -> ScorecardWeightSet:
    return get_object_or_404(scorecard_weight_set_list_for(user=user), pk=pk)


def scorecard_list_for(*, user: User, partner: Partner | None = None):
    qs = Scorecard.objects.visible_to(user).select_related("partner", "evaluated_by")
    return qs.filter(partner=partner) if partner is not None else qs


def scorecard_get_for(*, user: User, pk) -> Scorecard:
    return get_scoped_or_404(
        Scorecard.objects.select_related("partner", "evaluated_by", "weight_set"), user, pk=pk
    )


def nps_response_list_for(
    *, user: User, partner: Partner | None = None, quarter: str = ""
) -> QuerySet[NpsResponse]:
    qs = NpsResponse.objects.visible_to(user).select_related("partner", "recorded_by")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if quarter:
        qs = qs.filter(quarter=quarter)
    return qs


def _nps_rows(responses: QuerySet[NpsResponse]):
    return (
        responses.values("partner_id", "quarter")
        .annotate(
            responses=Count("id"),
            promoters=Count("id", filter=Q(score__gte=PROMOTER_FROM)),
            detractors=Count("id", filter=Q(score__lte=DETRACTOR_UP_TO)),
        )
        .order_by("partner_id", "-quarter")
    )


def partner_nps(*, partner: Partner, quarter: Quarter | str) -> int | None:
    """The partner's NPS from the answers of one quarter; None when nobody answered."""
    rows = list(
        _nps_rows(
            NpsResponse.objects.unrestricted("the partner was authorised by the caller").filter(
                partner=partner, quarter=str(quarter)
            )
        )
    )
    if not rows:
        return None
    row = rows[0]
    return nps_from_counts(
        promoters=row["promoters"], detractors=row["detractors"], responses=row["responses"]
    )


def partner_nps_by_quarter(*, partner: Partner) -> list[dict]:
    """[{quarter, responses, promoters, detractors, nps}] newest first."""
    return [
        row
        | {"nps": nps_from_counts(**{k: row[k] for k in ("promoters", "detractors", "responses")})}
        for row in _nps_rows(
            NpsResponse.objects.unrestricted("the partner was authorised by the caller").filter(
                partner=partner
            )
        )
    ]


def partner_nps_latest(*, partner_ids=None, up_to: Quarter | None = None) -> dict[int, int]:
    """{partner id: NPS} of each partner's latest surveyed quarter (up to `up_to` when given)."""
    responses = NpsResponse.objects.unrestricted("tier evaluation and dashboards, by partner ids")
    if partner_ids is not None:
        responses = responses.filter(partner_id__in=list(partner_ids))
    if up_to is not None:
        responses = responses.filter(quarter__lte=str(up_to))
    latest: dict[int, int] = {}
    for row in _nps_rows(responses):
        if row["partner_id"] not in latest:
            latest[row["partner_id"]] = nps_from_counts(
                promoters=row["promoters"],
                detractors=row["detractors"],
                responses=row["responses"],
            )
    return latest


def partner_nps_sql() -> str:
    """SQL relation (partner_id, nps): each partner's NPS of its latest surveyed quarter, computed
    like `nps_from_counts` (PostgreSQL's round() also takes halves away from zero)."""
    return f"""
        SELECT DISTINCT ON (partner_id) partner_id::bigint AS partner_id, nps::int AS nps
        FROM (
            SELECT partner_id, quarter,
                   round((count(*) FILTER (WHERE score >= {PROMOTER_FROM})
                          - count(*) FILTER (WHERE score <= {DETRACTOR_UP_TO})) * 100.0
                         / count(*)) AS nps
            FROM partners_npsresponse
            GROUP BY partner_id, quarter
        ) per_quarter
        ORDER BY partner_id, quarter DESC
    """  # noqa: S608 (constants only)


def partners_with_specialization(*, user: User, tags: list[str] | str, match_all: bool = False):
    """Partners the user may see that carry the specialization tag(s): any of them by default,
    all of them with `match_all` (the capability map leads are matched on, DESIGN §2.2)."""
    wanted = [tags] if isinstance(tags, str) else list(tags)
    wanted = [normalise_specialization(tag) for tag in wanted if tag.strip()]
    qs = Partner.objects.visible_to(user).filter(status=PartnerStatus.ACTIVE)
    if not wanted:
        return qs.none()
    lookup = "specializations__contains" if match_all else "specializations__overlap"
    return qs.filter(**{lookup: wanted}).select_related("tier")


def partner_nps_for_quarters(
    *, quarters: list[Quarter | str], partner_ids=None
) -> dict[tuple[int, str], int]:
    """{(partner id, quarter): NPS} of the given quarters, in one query (NPS warnings)."""
    responses = NpsResponse.objects.unrestricted("NPS warnings, by quarter").filter(
        quarter__in=[str(q) for q in quarters]
    )
    if partner_ids is not None:
        responses = responses.filter(partner_id__in=list(partner_ids))
    return {
        (row["partner_id"], row["quarter"]): nps_from_counts(
            promoters=row["promoters"], detractors=row["detractors"], responses=row["responses"]
        )
        for row in _nps_rows(responses)
    }
