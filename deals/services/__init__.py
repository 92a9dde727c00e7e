"""Writes of deal registration and leads (DESIGN §4), one module per workflow.

Call them as `deals.services.<name>`; every transition is atomic, locked and audited.
"""

from .conflicts import (
    CONFLICT_SQL,
    NAME_MATCH,
    TAX_ID_MATCH,
    conflict_sql,
    deal_conflict_find,
)
from .handover import (
    HANDOVER_TRACKED,
    deal_hand_over,
    handover_target_refusal,
    lead_offers_open_of,
    lead_offers_withdraw,
    open_deals_of,
)
from .jobs import (
    EXPIRY_WARNING_DAYS,
    deal_escalate_overdue,
    deal_expire_stale,
    deal_warn_expiring,
)
from .leads import (
    LEAD_DEAL_CLOSE_DAYS,
    LEAD_FIELDS,
    LEAD_TRACKED,
    lead_accept,
    lead_decline,
    lead_open_due,
    lead_publish,
    lead_withdraw,
)
from .price_lists import (
    PriceChange,
    PriceListRowErrors,
    price_list_current_refresh,
    price_list_entry_schedule,
    price_list_import,
)
from .registration import (
    SUBMIT_FIELDS,
    TRACKED,
    deal_approve,
    deal_close_lost,
    deal_close_won,
    deal_draft_save,
    deal_extension_decide,
    deal_extension_request,
    deal_reject,
    deal_submit,
)
from .settings import DEAL_SETTINGS_FIELDS, deal_settings_update

__all__ = [
    "DEAL_SETTINGS_FIELDS",
    "deal_settings_update",
    "CONFLICT_SQL",
    "EXPIRY_WARNING_DAYS",
    "HANDOVER_TRACKED",
    "LEAD_DEAL_CLOSE_DAYS",
    "LEAD_FIELDS",
    "LEAD_TRACKED",
    "NAME_MATCH",
    "SUBMIT_FIELDS",
    "TAX_ID_MATCH",
    "TRACKED",
    "conflict_sql",
    "deal_approve",
    "deal_close_lost",
    "deal_close_won",
    "deal_conflict_find",
    "deal_draft_save",
    "deal_escalate_overdue",
    "deal_expire_stale",
    "deal_extension_decide",
    "deal_extension_request",
    "deal_hand_over",
    "deal_reject",
    "deal_submit",
    "deal_warn_expiring",
    "handover_target_refusal",
    "lead_accept",
    "lead_decline",
    "lead_offers_open_of",
    "lead_offers_withdraw",
    "lead_open_due",
    "lead_publish",
    "lead_withdraw",
    "open_deals_of",
    "PriceChange",
    "PriceListRowErrors",
    "price_list_current_refresh",
    "price_list_entry_schedule",
    "price_list_import",
]
