"""Partners in the admin: tiers are configuration (audited); partners, their agreements, credit,
tier decisions and scorecards are governed records, read-only here (DESIGN §1)."""

from django.contrib import admin

from core.admin import AuditedAdmin, AuditedGrantsMixin, ReadOnlyAdmin

from .models import (
    Agreement,
    CreditApplication,
    CreditLimitProposal,
    CreditRating,
    NpsResponse,
    NpsWarning,
    Partner,
    Scorecard,
    Tier,
    TierChange,
    TierEvaluation,
)


@admin.register(Tier)
class TierAdmin(AuditedAdmin):
    list_display = [
        "code",
        "rank",
        "min_revenue",
        "min_certified_staff",
        "min_nps",
        "rebate_multiplier",
        "protection_days",
        "mdf_rate",
    ]


@admin.register(Partner)
class PartnerAdmin(AuditedGrantsMixin, ReadOnlyAdmin):
    """Status, tier and credit change through the services (freeze, tier decision, credit
    application); managers granted a partner individually are granted here, audited."""

    list_display = ["legal_name", "tax_id", "partner_type", "tier", "status", "channel_manager"]
    list_filter = ["status", "partner_type", "tier"]
    search_fields = ["legal_name", "tax_id"]
    list_select_related = ["tier", "channel_manager"]
    raw_id_fields = ["parent", "channel_manager"]


# --- tiers, scorecards and NPS: read-only here; changes go through the services (audited) ------


@admin.register(TierEvaluation)
class TierEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["partner", "quarter", "current_tier", "qualified_tier", "outcome", "status"]
    list_filter = ["quarter", "outcome", "status"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner", "current_tier", "qualified_tier"]


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ["partner", "from_tier", "to_tier", "changed_by", "created_at"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner", "from_tier", "to_tier", "changed_by"]


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ["partner", "kind", "year", "total", "classification", "created_at"]
    list_filter = ["kind", "year", "classification"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner"]


@admin.register(NpsResponse)
class NpsResponseAdmin(ReadOnlyAdmin):
    list_display = ["partner", "quarter", "score", "source", "created_at"]
    list_filter = ["quarter", "source"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner"]


# --- agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8) ---------


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["number", "version", "partner", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["number", "partner__legal_name"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "amends", "created_by"]


@admin.register(CreditApplication)
class CreditApplicationAdmin(ReadOnlyAdmin):
    list_display = ["partner", "kind", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "requested_by", "decided_by"]


# --- credit rating and NPS early warning (DESIGN §2.6, §2.4) ------------------------------------


@admin.register(CreditRating)
class CreditRatingAdmin(ReadOnlyAdmin):
    list_display = [
        "partner",
        "kind",
        "quarter",
        "grade",
        "points",
        "overdue_exposure",
        "created_at",
    ]
    list_filter = ["kind", "quarter", "grade"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "rated_by"]


@admin.register(CreditLimitProposal)
class CreditLimitProposalAdmin(ReadOnlyAdmin):
    list_display = ["partner", "reason", "current_limit", "proposed_limit", "status", "created_at"]
    list_filter = ["status", "reason"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "rating", "decided_by"]


@admin.register(NpsWarning)
class NpsWarningAdmin(ReadOnlyAdmin):
    list_display = ["partner", "quarter", "level", "nps", "previous_nps"]
    list_filter = ["quarter", "level"]
    search_fields = ["partner__legal_name"]
    list_select_related = ["partner"]
