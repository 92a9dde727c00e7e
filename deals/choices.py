from django.db import models
from django.utils.translation import gettext_lazy as _


class DealStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    IN_CONFLICT = "in_conflict", _("In conflict")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    EXPIRED = "expired", _("Expired")


OPEN_STATUSES = (DealStatus.SUBMITTED, DealStatus.IN_CONFLICT, DealStatus.APPROVED)
PENDING_STATUSES = (DealStatus.SUBMITTED, DealStatus.IN_CONFLICT)


class LeadStatus(models.TextChoices):
    EXCLUSIVE = "exclusive", _("Exclusive offer")
    OPEN = "open", _("Open to all eligible partners")
    ACCEPTED = "accepted", _("Accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class LeadOfferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    DECLINED = "declined", _("Declined")
    ACCEPTED = "accepted", _("Accepted")
    TAKEN = "taken", _("Taken by another partner")
    WITHDRAWN = "withdrawn", _("Withdrawn: the partner is leaving")


AVAILABLE_LEAD_STATUSES = (LeadStatus.EXCLUSIVE, LeadStatus.OPEN)


class PriceLevel(models.TextChoices):
    """The three levels of a product's price list (DESIGN §4.4)."""

    GUIDE = "guide", _("Guide price (list)")
    AGREEMENT = "agreement", _("Channel agreement price")
    FLOOR = "floor", _("Retail floor price")
