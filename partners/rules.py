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


def compliance_score(violations: int) -> int:
    """100 less 25 points per violation confirmed in the year, floored at 0."""
    return _clamp(100 - VIOLATION_PENALTY_POINTS * violations)


def weighted_total(scores: dict[str, int], weights: dict[str, int]) -> Decimal:
    """Σ score × weight ÷ 100, to two decimals (half up). Keys pair `score_x` with `weight_x`."""
    total = sum(
        Decimal(scores[f"score_{name[len('weight_') :]}"]) * weight
        for name, weight in weights.items()
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
