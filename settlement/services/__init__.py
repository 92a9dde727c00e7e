"""Writes of the settlement app (DESIGN §6), one module per workflow.

Call them as `settlement.services.<name>`: statements (the queue, the period build, review
rounds, publish, pay, close), disputes (the partner's answer) and reconciliation (runs, chunks,
anomalies).
"""

from .disputes import (
    dispute_resolve,
    statement_confirm,
    statement_deem_confirmed,
    statement_dispute,
)
from .policy import POLICY_FIELDS, partner_tax_rate_set, settlement_policy_update
from .reconciliation import (
    RECONCILIATION_CHUNKS,
    anomaly_resolve,
    reconciliation_chunk_run,
    reconciliation_run_fan_out,
    reconciliation_run_finish,
    reconciliation_run_job_id,
    reconciliation_run_progress,
    reconciliation_run_start,
)
from .statements import (
    SETTLED_STATES,
    open_review_round,
    required_approvals_for,
    settlement_entry_queue,
    statement_approve,
    statement_build,
    statement_build_final,
    statement_build_period,
    statement_close,
    statement_mark_paid,
    statement_publish,
    statement_return,
    statement_submit,
    statement_totals,
    statements_unsettled_of,
)

__all__ = [
    "POLICY_FIELDS",
    "partner_tax_rate_set",
    "settlement_policy_update",
    "RECONCILIATION_CHUNKS",
    "SETTLED_STATES",
    "anomaly_resolve",
    "dispute_resolve",
    "open_review_round",
    "reconciliation_chunk_run",
    "reconciliation_run_fan_out",
    "reconciliation_run_finish",
    "reconciliation_run_job_id",
    "reconciliation_run_progress",
    "reconciliation_run_start",
    "required_approvals_for",
    "settlement_entry_queue",
    "statement_approve",
    "statement_build",
    "statement_build_final",
    "statement_build_period",
    "statement_close",
    "statement_confirm",
    "statement_deem_confirmed",
    "statement_dispute",
    "statement_mark_paid",
    "statement_publish",
    "statement_return",
    "statement_submit",
    "statement_totals",
    "statements_unsettled_of",
]
