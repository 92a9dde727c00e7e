"""Writes of the MDF programme (DESIGN §7), one module per workflow; call them as
`funds.services.<name>`. Every movement of money is a new ledger row.
"""

from .claims import (
    CLAIM_WINDOW_DAYS,
    claim_deadline,
    claim_reimbursement,
    claim_reject,
    claim_submit,
    claim_to_statement,
    claim_validate,
)
from .ledger import mdf_accrue, mdf_accrue_all, mdf_allocate, mdf_expire, mdf_expire_all
from .requests import (
    MAX_SHARE,
    fund_request_approve,
    fund_request_can_approve,
    fund_request_reject,
    fund_request_release,
    fund_request_release_unclaimed,
    fund_request_submit,
    fund_requests_open_of,
    fund_requests_release_at_exit,
)
from .results import activity_result_record, deal_activity_set

__all__ = [
    "CLAIM_WINDOW_DAYS",
    "MAX_SHARE",
    "activity_result_record",
    "claim_deadline",
    "claim_reimbursement",
    "claim_reject",
    "claim_submit",
    "claim_to_statement",
    "claim_validate",
    "deal_activity_set",
    "fund_request_approve",
    "fund_request_can_approve",
    "fund_request_reject",
    "fund_request_release",
    "fund_request_release_unclaimed",
    "fund_request_submit",
    "fund_requests_open_of",
    "fund_requests_release_at_exit",
    "mdf_accrue",
    "mdf_accrue_all",
    "mdf_allocate",
    "mdf_expire",
    "mdf_expire_all",
]
