"""Pure rules of the partners domain."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.industries import industry_code

# GB 32100-2015: unified social credit code alphabet (no I, O, S, V, Z) and position weights.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code, computed from the first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True for an 18-character unified social credit code whose check digit is right."""
    if len(code) != 18 or any(char not in CREDIT_CODE_ALPHABET for char in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


# --- tiers (DESIGN §2.3) ------------------------------------------------------------------------


def tier_requirements_met(
    tier, *, revenue: Decimal, certified: int, senior: int, nps: int | None
) -> bool:
    """True when the figures meet every requirement of `tier`. No NPS recorded counts as 0."""
    return (
        revenue >= tier.min_revenue
        and certified >= tier.min_certified_staff
        and senior >= tier.min_senior_certified_staff
        and (tier.min_nps is None or (nps or 0) >= tier.min_nps)
    )


def qualified_tier(tiers, *, revenue: Decimal, certified: int, senior: int, nps: int | None):
    """The highest tier (of `tiers`, any order) whose requirements the figures meet."""
    ordered = sorted(tiers, key=lambda t: t.rank)
    best = ordered[0]
    for tier in ordered:
        if tier_requirements_met(
            tier, revenue=revenue, certified=certified, senior=senior, nps=nps
        ):
            best = tier
    return best


def tier_decision(
    *,
    current_rank: int,
    qualified_rank: int,
    previous_qualified_rank: int | None,
    open_violations: int,
) -> tuple[str, int | None]:
    """What the quarterly evaluation proposes: (outcome, proposed rank or None).

    - qualifies higher: upgrade to that tier, unless an open violation blocks it;
    - qualifies lower: a downgrade only if the previous quarter missed the held tier too (one
      quarter of grace); it goes to the better of the two quarters' tiers, since the partner met
      that one in at least one of them;
    - otherwise nothing changes.
    """
    from .choices import TierOutcome

    if qualified_rank > current_rank:
        if open_violations:
            return TierOutcome.BLOCKED, None
        return TierOutcome.UPGRADE, qualified_rank
    if qualified_rank < current_rank:
        if previous_qualified_rank is not None and previous_qualified_rank < current_rank:
            return TierOutcome.DOWNGRADE, max(qualified_rank, previous_qualified_rank)
        return TierOutcome.GRACE, None
    return TierOutcome.UNCHANGED, None


# --- scorecard (DESIGN §2.4) ---------------------------------------------------------------------

CLASS_A_FROM = Decimal("85")
CLASS_B_FROM = Decimal("70")
NEUTRAL_SCORE = 50
VIOLATION_PENALTY_POINTS = 25
ROI_POINTS_PER_UNIT = 10


def _clamp(value) -> int:
    return max(0, min(100, int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))))


def ratio_score(achieved, required) -> int:
    """achieved ÷ required as a 0–100 score; nothing required scores 100."""
    if not required:
        return 100
    return _clamp(Decimal(achieved) * 100 / Decimal(required))


def nps_score(nps: int | None) -> int:
    """NPS −100…100 mapped onto 0–100; no survey answered scores neutral (50)."""
    return NEUTRAL_SCORE if nps is None else _clamp(Decimal(nps + 100) / 2)


def roi_score(roi: Decimal | None) -> int:
    """Marketing return (attributed revenue ÷ reimbursed funds): ×10 points, capped at 100; no
    reimbursed activity scores neutral (50)."""
    return NEUTRAL_SCORE if roi is None else _clamp(roi * ROI_POINTS_PER_UNIT)


def inventory_score(health: dict | None) -> int:
    """Inventory health: the share (0–100) of the partner's stocked products whose days of
    inventory lie within their family's limits; no stock reported scores neutral (50)."""
    return NEUTRAL_SCORE if health is None else _clamp(Decimal(health["score"]))


def compliance_score(violations: int) -> int:
    """100 less 25 points per violation confirmed in the year, floored at 0."""
    return _clamp(100 - VIOLATION_PENALTY_POINTS * violations)


def team_score(*, cohort: int, retained: int, certified: int, required: int) -> int:
    """Team stability and certifications: the mean, half up, of stability (the share of the
    staff certified 12 months ago still active with the partner) and certifications (certified
    staff against the requirement). Nobody certified a year ago: certifications alone."""
    certifications = ratio_score(certified, required)
    if not cohort:
        return certifications
    return _clamp(Decimal(ratio_score(retained, cohort) + certifications) / 2)


def weight_set_matches(weight_set, *, partner_type: str, regions) -> bool:
    """A set applies when it names the partner's type (or no type) and one of its regions (or no
    region)."""
    return (not weight_set.partner_types or partner_type in weight_set.partner_types) and (
        not weight_set.regions or bool(set(weight_set.regions) & set(regions or ()))
    )


def weight_set_for(weight_sets, *, partner_type: str, regions):
    """The weight set of a partner: the most specific matching set (types and regions > types >
    regions), the first created among equals (a partner of several regions); None: the default."""
    matching = [
        ws
        for ws in weight_sets
        if weight_set_matches(ws, partner_type=partner_type, regions=regions)
    ]
    if not matching:
        return None
    return min(matching, key=lambda ws: (-ws.specificity, ws.pk))


def weight_sets_overlap(first, second) -> bool:
    """Two sets of the same specificity naming one type and region both: a partner could not
    tell which one rules."""
    if first.specificity != second.specificity:
        return False
    types = not first.partner_types or bool(set(first.partner_types) & set(second.partner_types))
    regions = not first.regions or bool(set(first.regions) & set(second.regions))
    return types and regions


def weighted_total(scores: dict[str, int], weights: dict[str, int]) -> Decimal:
    """Σ score × weight ÷ 100, to two decimals (half up). Keys pair `score_x` with `weight_x`; a
    criterion weighed 0 needs no score (scorecards made before an optional one existed)."""
    total = sum(
        Decimal(scores[f"score_{name[len('weight_') :]}"]) * weight
        for name, weight in weights.items()
        if weight
    )
    return (total / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def classification_for(total: Decimal) -> str:
    """A ≥ 85, B ≥ 70, C below 70."""
    if total >= CLASS_A_FROM:
        return "A"
    if total >= CLASS_B_FROM:
        return "B"
    return "C"


# --- NPS (DESIGN §2.4) ---------------------------------------------------------------------------

PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


def nps_from_counts(*, promoters: int, detractors: int, responses: int) -> int | None:
    """Promoters (9–10) % minus detractors (0–6) %, rounded half up to a whole number."""
    if not responses:
        return None
    value = Decimal(promoters - detractors) * 100 / responses
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- specializations (DESIGN §2.2) ---------------------------------------------------------------

SPECIALIZATION_MAX_LENGTH = 40


def normalise_specialization(tag: str) -> str:
    """Tags compare case-insensitively and ignore extra spaces: "  Smart  Retail" → "smart retail";
    a known industry typed by its label ("制造业", "Manufacturing") is its code ("manufacturing")."""
    return industry_code(tag).lower()


# --- credit rating (DESIGN §2.6) -----------------------------------------------------------------
# A rating starts at 100 points and loses points for each weakness of the partner's payment
# behaviour and its scorecard class; the points left give the grade.

CREDIT_GRADE_FROM = (("AAA", 90), ("AA", 80), ("A", 65), ("B", 50))  # below the last: C
# (average days late of the late orders up to, points lost); beyond the last step: 50
DAYS_LATE_PENALTY = ((0, 0), (15, 10), (30, 20), (60, 35))
DAYS_LATE_PENALTY_MAX = 50
SHARE_LATE_POINTS = 40  # × the share of due orders paid late (0–1)
# (overdue exposure ÷ credit limit up to, points lost); beyond the last step (above the limit): 45
OVERDUE_RATIO_PENALTY = ((Decimal("0"), 0), (Decimal("0.25"), 10), (Decimal("0.5"), 20))
OVERDUE_AT_LIMIT_PENALTY = 30
OVERDUE_ABOVE_LIMIT_PENALTY = 45
DISPUTE_LOST_POINTS = 5
DISPUTE_LOST_MAX = 15
CLASS_PENALTY = {"A": 0, "B": 5, "C": 15, "": 5}  # "": not classified yet
GRADE_DROP_ALERT = 2  # a drop of this many grades or more alerts finance
# The lower limit suggested for the new grade, as a share of the current limit.
LIMIT_FACTOR = {
    "AAA": Decimal("0.5"),
    "AA": Decimal("0.5"),
    "A": Decimal("0.8"),
    "B": Decimal("0.5"),
    "C": Decimal("0.25"),
}


def credit_days_late_penalty(average_days_late: Decimal) -> int:
    for up_to, points in DAYS_LATE_PENALTY:
        if average_days_late <= up_to:
            return points
    return DAYS_LATE_PENALTY_MAX


def credit_overdue_penalty(*, overdue: Decimal, limit: Decimal) -> int:
    """Nothing overdue loses nothing; any overdue exposure with no limit counts as above it."""
    if overdue <= 0:
        return 0
    if limit <= 0 or overdue > limit:
        return OVERDUE_ABOVE_LIMIT_PENALTY
    ratio = overdue / limit
    for up_to, points in OVERDUE_RATIO_PENALTY[1:]:
        if ratio <= up_to:
            return points
    return OVERDUE_AT_LIMIT_PENALTY


def credit_grade_for(points: int) -> str:
    """AAA ≥ 90, AA ≥ 80, A ≥ 65, B ≥ 50, C below 50."""
    for grade, minimum in CREDIT_GRADE_FROM:
        if points >= minimum:
            return grade
    return "C"


def credit_rating(
    *,
    orders_due: int,
    orders_late: int,
    days_late_total: int,
    overdue: Decimal,
    limit: Decimal,
    disputes_lost: int,
    classification: str,
) -> dict:
    """The grade and the figures it came from: {"points", "grade", "average_days_late",
    "share_late", "penalties": {...}}. Average days late is over the late orders; the share late
    is late ÷ due orders (none due: 0)."""
    average = (
        (Decimal(days_late_total) / orders_late).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if orders_late
        else Decimal("0")
    )
    share = (
        (Decimal(orders_late) / orders_due).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if orders_due
        else Decimal("0")
    )
    penalties = {
        "days_late": credit_days_late_penalty(average),
        "share_late": int((share * SHARE_LATE_POINTS).quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        "overdue": credit_overdue_penalty(overdue=overdue, limit=limit),
        "disputes_lost": min(disputes_lost * DISPUTE_LOST_POINTS, DISPUTE_LOST_MAX),
        "classification": CLASS_PENALTY.get(classification or "", CLASS_PENALTY[""]),
    }
    points = max(0, 100 - sum(penalties.values()))
    return {
        "points": points,
        "grade": credit_grade_for(points),
        "average_days_late": average,
        "share_late": share,
        "penalties": penalties,
    }


def credit_grade_drop(before: str | None, after: str) -> int:
    """How many grades `after` sits below `before` (negative: a rise; no earlier rating: 0)."""
    if not before:
        return 0
    order = [grade for grade, _ in CREDIT_GRADE_FROM] + ["C"]
    return order.index(after) - order.index(before)


def credit_limit_suggested(*, limit: Decimal, grade: str) -> Decimal:
    """The lower limit suggested after an alert: the current limit × the new grade's factor."""
    return limit * LIMIT_FACTOR[grade]


# --- NPS early warning (DESIGN §2.4) -------------------------------------------------------------

NPS_RED_BELOW = 0
NPS_RED_DROP = 20
NPS_YELLOW_BELOW = 20
NPS_YELLOW_DROP = 10


def nps_warning_level(*, nps: int, previous: int | None) -> str:
    """Red below 0 or a drop of 20 points or more from the previous quarter; yellow a drop of
    10–19 points or below 20; otherwise blue. No previous quarter: no drop."""
    drop = 0 if previous is None else previous - nps
    if nps < NPS_RED_BELOW or drop >= NPS_RED_DROP:
        return "red"
    if drop >= NPS_YELLOW_DROP or nps < NPS_YELLOW_BELOW:
        return "yellow"
    return "blue"
