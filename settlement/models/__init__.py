"""Models of the settlement app: statements (DESIGN §6.1–6.3) and reconciliation (§6.4)."""

from .reconciliation import (
    AnomalyResolution,
    Delivery,
    Order,
    Payment,
    ReconciliationAnomaly,
    ReconciliationMatch,
    ReconciliationRun,
)
from .statements import (
    MONEY,
    Dispute,
    DisputeEvidence,
    PartnerTaxProfile,
    ReviewRound,
    SettlementEntry,
    SettlementPolicy,
    Statement,
    StatementApproval,
    StatementLine,
    new_verification_code,
)

__all__ = [
    "MONEY",
    "AnomalyResolution",
    "Delivery",
    "Dispute",
    "DisputeEvidence",
    "Order",
    "PartnerTaxProfile",
    "Payment",
    "ReconciliationAnomaly",
    "ReconciliationMatch",
    "ReconciliationRun",
    "ReviewRound",
    "SettlementEntry",
    "SettlementPolicy",
    "Statement",
    "StatementApproval",
    "StatementLine",
    "new_verification_code",
]
