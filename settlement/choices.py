from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    REBATE_ACCRUAL = "rebate_accrual", _("Rebate accrual")
    MDF_REIMBURSEMENT = "mdf_reimbursement", _("MDF reimbursement")
    CLAWBACK = "clawback", _("Clawback")
    ADJUSTMENT = "adjustment", _("Adjustment")
    DISPUTE_OUTCOME = "dispute_outcome", _("Dispute outcome")


class StatementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")


# Once approved, a statement's figures never change (DESIGN §6.1).
LOCKED_STATES = frozenset(
    {
        StatementState.APPROVED,
        StatementState.PUBLISHED,
        StatementState.CONFIRMED,
        StatementState.DISPUTED,
        StatementState.PAID,
        StatementState.CLOSED,
    }
)
# Partners see a statement from its publication on.
PARTNER_VISIBLE_STATES = frozenset(LOCKED_STATES - {StatementState.APPROVED})


class DisputeState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
