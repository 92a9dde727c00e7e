"""The partners domain's models, one module per area; import them from `partners.models`."""

from .exit import ExitItem, PartnerExit
from .partner import (
    ApplicationTransition,
    ComplianceViolation,
    Partner,
    PartnerApplication,
    PartnerFreeze,
    PartnerGroupObjectPermission,
    PartnerUserObjectPermission,
    Tier,
    UnfreezeApproval,
)
from .programme import (
    SCORE_FIELDS,
    WEIGHT_FIELDS,
    WEIGHT_SET_FIELDS,
    NpsResponse,
    Scorecard,
    ScorecardWeights,
    ScorecardWeightSet,
    TierChange,
    TierEvaluation,
)
from .relationship import (
    Agreement,
    AgreementReminder,
    AgreementReview,
    BusinessReport,
    CreditApplication,
    PartnerVisit,
)

__all__ = [
    "Agreement",
    "AgreementReminder",
    "AgreementReview",
    "ApplicationTransition",
    "BusinessReport",
    "ComplianceViolation",
    "CreditApplication",
    "ExitItem",
    "NpsResponse",
    "Partner",
    "PartnerApplication",
    "PartnerExit",
    "PartnerFreeze",
    "PartnerGroupObjectPermission",
    "PartnerUserObjectPermission",
    "PartnerVisit",
    "SCORE_FIELDS",
    "Scorecard",
    "ScorecardWeights",
    "ScorecardWeightSet",
    "Tier",
    "TierChange",
    "TierEvaluation",
    "UnfreezeApproval",
    "WEIGHT_FIELDS",
    "WEIGHT_SET_FIELDS",
]
