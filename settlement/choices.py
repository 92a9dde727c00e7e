from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    REBATE_ACCRUAL = "rebate_accrual", _("Rebate accrual")
    MDF_REIMBURSEMENT = "mdf_reimbursement", _("MDF reimbursement")
    CLAWBACK = "clawback", _("Clawback")
    ADJUSTMENT = "adjustment", _("Adjustment")
    DISPUTE_OUTCOME = "dispute_outcome", _("Dispute outcome")
    # A deduction for a confirmed diversion or price flag (DESIGN §11); the amount is negative.
    PENALTY = "penalty", _("Penalty deduction")


class StatementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    # A disputed statement replaced by a re-issued revision (DESIGN §6.2): read-only, never paid.
    SUPERSEDED = "superseded", _("Superseded")


class ReviewOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    RETURNED = "returned", _("Returned to draft")
    APPROVED = "approved", _("Approved")


# Once approved, a statement's figures never change (DESIGN §6.1).
LOCKED_STATES = frozenset(
    {
        StatementState.APPROVED,
        StatementState.PUBLISHED,
        StatementState.CONFIRMED,
        StatementState.DISPUTED,
        StatementState.PAID,
        StatementState.CLOSED,
        StatementState.SUPERSEDED,
    }
)
# Partners see a statement from its publication on.
PARTNER_VISIBLE_STATES = frozenset(LOCKED_STATES - {StatementState.APPROVED})


class DisputeState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class OrderSource(models.TextChoices):
    IMPORT = "import", _("Import")
    DEAL = "deal", _("Won deal")


class OrderStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("Unmatched")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    MATCHED = "matched", _("Matched")
    OVERPAID = "overpaid", _("Overpaid")


class MatchMethod(models.TextChoices):
    REFERENCE = "reference", _("By reference")
    WINDOW = "window", _("By partner, amount and date")


class AnomalyKind(models.TextChoices):
    DUPLICATE_PAYMENT = "duplicate_payment", _("Duplicate payment")
    AMOUNT_DEVIATION = "amount_deviation", _("Amount deviation")
    DELIVERY_WITHOUT_ORDER = "delivery_without_order", _("Delivery without an order")
    PAYMENT_WITHOUT_ORDER = "payment_without_order", _("Payment without an order")
    # An order whose payments or deliveries add up beyond what its figures hold: not matched;
    # finance corrects the poison rows (append-only) by an adjustment.
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range", _("Amounts too large to reconcile")


class AnomalyState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    CLEARED = "cleared", _("Cleared by a later run")


class ResolutionAction(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted as it is")
    REFUND = "refund", _("Refund or credit the partner")
    COLLECT = "collect", _("Collect the difference")
    CORRECTED = "corrected", _("Corrected at the source")
