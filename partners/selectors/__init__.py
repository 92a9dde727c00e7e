"""Reads of the partners domain, one module per area like its services; always scoped to what the
user may see. Call them as `partners.selectors.<name>`.
"""

from .agreements import (
    AGREEMENT_VIEW_ROLES,
    EXPIRY_WINDOW_DAYS,
    agreement_get_for,
    agreement_list_for,
    agreement_reviews_for,
    agreement_versions_for,
    agreements_expiring_for,
)
from .credit import (
    credit_application_get_for,
    credit_application_list_for,
    credit_exposure_for,
)
from .partner import (
    application_get_for,
    application_list_for,
    partner_get_for,
    partner_list_base_for,
    partner_search_for,
    partner_users_for,
    user_search_for,
    violation_list_for,
)
from .programme import (
    nps_response_list_for,
    partner_nps,
    partner_nps_by_quarter,
    partner_nps_latest,
    partner_nps_sql,
    partners_with_specialization,
    scorecard_get_for,
    scorecard_list_for,
    scorecard_weight_set_get_for,
    scorecard_weight_set_list_for,
    scorecard_weight_sets,
    scorecard_weights_current,
    tier_evaluation_list_for,
    tier_history_for,
    tier_proposal_decidable_for,
    tier_proposal_get_for,
    tier_proposal_list_for,
)
from .relationship import (
    partner_filter_for,
    partner_relationship_for,
)
from .reports import (
    business_report_get_for,
    business_report_list_for,
)
from .visits import (
    partners_without_quarterly_meeting,
    partners_without_quarterly_meeting_all,
    visit_get_for,
    visit_list_for,
)

__all__ = [
    "AGREEMENT_VIEW_ROLES",
    "EXPIRY_WINDOW_DAYS",
    "agreement_get_for",
    "agreement_list_for",
    "agreement_reviews_for",
    "agreement_versions_for",
    "agreements_expiring_for",
    "application_get_for",
    "application_list_for",
    "business_report_get_for",
    "business_report_list_for",
    "credit_application_get_for",
    "credit_application_list_for",
    "credit_exposure_for",
    "nps_response_list_for",
    "partner_filter_for",
    "partner_get_for",
    "partner_list_base_for",
    "partner_search_for",
    "user_search_for",
    "partner_nps",
    "partner_nps_by_quarter",
    "partner_nps_latest",
    "partner_nps_sql",
    "partner_relationship_for",
    "partner_users_for",
    "partners_with_specialization",
    "partners_without_quarterly_meeting",
    "partners_without_quarterly_meeting_all",
    "scorecard_get_for",
    "scorecard_list_for",
    "scorecard_weight_set_get_for",
    "scorecard_weight_set_list_for",
    "scorecard_weight_sets",
    "scorecard_weights_current",
    "tier_evaluation_list_for",
    "tier_history_for",
    "tier_proposal_get_for",
    "tier_proposal_decidable_for",
    "tier_proposal_list_for",
    "violation_list_for",
    "visit_get_for",
    "visit_list_for",
]
