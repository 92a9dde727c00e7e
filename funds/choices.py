from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerKind(models.TextChoices):
    ACCRUAL = "accrual", _("Quarterly accrual")
    DISCRETIONARY = "discretionary", _("Discretionary allocation")
    RESERVATION = "reservation", _("Reservation")
    RELEASE = "release", _("Release")
    REIMBURSEMENT = "reimbursement", _("Reimbursement")
    EXPIRY = "expiry", _("Expiry")


ALLOCATION_KINDS = (LedgerKind.ACCRUAL, LedgerKind.DISCRETIONARY)


class ActivityType(models.TextChoices):
    TECHNICAL_SALON = "technical_salon", _("Technical salon")
    INDUSTRY_SUMMIT = "industry_summit", _("Industry summit")
    LIVE_STREAM = "live_stream", _("Online live stream")
    TRADE_SHOW = "trade_show", _("Trade show")
    ADVERTISING = "advertising", _("Advertising")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLAIMED = "claimed", _("Claimed")
    RELEASED = "released", _("Released unclaimed")


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting validation")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")


class SettlementState(models.TextChoices):
    NONE = "", _("Not yet due")
    QUEUED = "queued", _("Queued for the next statement")
