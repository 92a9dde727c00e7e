from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import Partner, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
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
class PartnerAdmin(GuardedModelAdmin):
    list_display = ["legal_name", "tax_id", "partner_type", "tier", "status", "channel_manager"]
    list_filter = ["status", "partner_type", "tier"]
    search_fields = ["legal_name", "tax_id"]
    list_select_related = ["tier", "channel_manager"]
    raw_id_fields = ["parent", "channel_manager"]
