from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerType(models.TextChoices):
    DISTRIBUTOR = "distributor", _("Distributor")
    RESELLER = "reseller", _("Reseller")
    ISV = "isv", _("ISV")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    REGIONAL_AGENT = "regional_agent", _("Regional agent")
    FRANCHISE_STORE = "franchise_store", _("Franchise store")


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FROZEN = "frozen", _("Frozen")
    TERMINATED = "terminated", _("Terminated")


class Classification(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class TierCode(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    DIAMOND = "diamond", _("Diamond")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    ASSESSMENT = "assessment", _("Assessment")
    NEGOTIATION = "negotiation", _("Negotiation")
    SIGNING = "signing", _("Signing")
    ACTIVE = "active", _("Active partner")
    REJECTED = "rejected", _("Rejected")


# The pipeline order; each open step moves to the next one (DESIGN §2.1).
APPLICATION_PIPELINE = [
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.ASSESSMENT,
    ApplicationStatus.NEGOTIATION,
    ApplicationStatus.SIGNING,
    ApplicationStatus.ACTIVE,
]
OPEN_APPLICATION_STATUSES = [s.value for s in APPLICATION_PIPELINE[:-1]]


class RevenueBand(models.TextChoices):
    UNDER_1M = "lt1m", _("Under 1 million")
    FROM_1M = "1m-5m", _("1 to 5 million")
    FROM_5M = "5m-20m", _("5 to 20 million")
    FROM_20M = "20m-100m", _("20 to 100 million")
    OVER_100M = "gt100m", _("Over 100 million")


class ViolationKind(models.TextChoices):
    CROSS_REGION = "cross_region", _("Cross-region selling")
    BELOW_FLOOR = "below_floor", _("Selling below the floor price")
    BRIBERY = "bribery", _("Bribery suspicion")
    DATA_LEAK = "data_leak", _("Data leak")
    OTHER = "other", _("Other")


class ViolationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


# --- tiers, scorecards and NPS (DESIGN §2.3, §2.4) ---------------------------------------------


class TierOutcome(models.TextChoices):
    UNCHANGED = "unchanged", _("Requirements met, no change")
    UPGRADE = "upgrade", _("Upgrade proposed")
    DOWNGRADE = "downgrade", _("Downgrade proposed")
    GRACE = "grace", _("Requirements missed: quarter of grace")
    BLOCKED = "blocked", _("Upgrade blocked by an open violation")


class ProposalStatus(models.TextChoices):
    NONE = "", _("No proposal")
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


class ScorecardKind(models.TextChoices):
    YEARLY = "yearly", _("Yearly")
    ON_DEMAND = "on_demand", _("On demand")


class NpsSource(models.TextChoices):
    FORM = "form", _("Recorded")
    IMPORT = "import", _("Imported")


# --- agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8) ---------


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LEGAL_REVIEW = "legal_review", _("Legal review")
    BUSINESS_REVIEW = "business_review", _("Business review")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


# A version still on its way to signature; at most one per agreement number.
AGREEMENT_IN_PROGRESS = [
    AgreementStatus.DRAFT.value,
    AgreementStatus.LEGAL_REVIEW.value,
    AgreementStatus.BUSINESS_REVIEW.value,
]
AGREEMENT_IN_FORCE = [AgreementStatus.SIGNED.value, AgreementStatus.ACTIVE.value]
# Renewal reminders, in days before expiry (DESIGN §2.5), largest first.
AGREEMENT_REMINDER_DAYS = (90, 30, 7)


class ReviewStage(models.TextChoices):
    LEGAL = "legal", _("Legal review")
    BUSINESS = "business", _("Business review")


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Sent back")


class TerminationReason(models.TextChoices):
    BREACH = "breach", _("Serious breach not remedied after written notice")
    INSOLVENCY = "insolvency", _("Insolvency")
    LAW = "law", _("Serious violation of law")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")


class CreditKind(models.TextChoices):
    NORMAL = "normal", _("Normal credit limit")
    SPECIAL = "special", _("Special (project) credit limit")


class CreditStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")
    RETURNED = "returned", _("Returned for changes")


class VisitKind(models.TextChoices):
    REVIEW_MEETING = "review", _("Quarterly review meeting")
    SITE_VISIT = "site", _("Site visit")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


# Visits that count as the quarterly meeting with a partner (DESIGN §2.8).
MEETING_KINDS = ["review", "site"]


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# --- exit and handover (DESIGN §2.9) ----------------------------------------------------------


class ExitKind(models.TextChoices):
    TERMINATION = "termination", _("Termination")
    NON_RENEWAL = "non_renewal", _("Non-renewal")


class ExitStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")


# --- credit rating and NPS early warning (DESIGN §2.6, §2.4) -------------------------------------


class CreditGrade(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


# Best first: a grade's index is how many steps it sits below AAA.
CREDIT_GRADE_ORDER = [g.value for g in CreditGrade]


class CreditRatingKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly")
    ON_DEMAND = "on_demand", _("On demand")


class LimitProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class LimitProposalReason(models.TextChoices):
    GRADE_DROP = "grade_drop", _("Rating dropped two grades or more")
    OVER_LIMIT = "over_limit", _("Overdue exposure above the credit limit")
    BOTH = "both", _("Rating dropped and overdue exposure above the limit")


class NpsWarningLevel(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue (normal)")
