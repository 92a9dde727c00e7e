from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from accounts.scoping import sees_partner_details
from core.periods import Quarter

from ..forms import PARTNER_ROLE_CHOICES
from ..models import (
    WEIGHT_FIELDS,
    ApplicationTransition,
    NpsResponse,
    Partner,
    PartnerApplication,
    Scorecard,
    ScorecardWeightSet,
    TierEvaluation,
)


class PartnerSerializer(serializers.ModelSerializer):
    """A partner's profile; a distributor gets its dealers' summary only (no tax ID, no class)."""

    tier = serializers.CharField(source="tier.code", read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "legal_name",
            "tax_id",
            "country",
            "partner_type",
            "regions",
            "parent",
            "tier",
            "classification",
            "status",
            "contract_currency",
            "specializations",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not sees_partner_details(request.user, instance.pk):
            data.update(tax_id="", classification="")
        return data


class PartnerUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "is_active", "language"]
        read_only_fields = fields


def _validate_partner_role(value: str) -> str:
    if value not in dict(PARTNER_ROLE_CHOICES):
        raise serializers.ValidationError(_("Choose one of the partner roles."))
    return value


class PartnerUserRoleSerializer(serializers.Serializer):
    # A plain string (checked below) keeps one "role" enum in the OpenAPI schema.
    role = serializers.CharField(help_text="partner_admin, partner_sales or partner_finance")

    def validate_role(self, value: str) -> str:
        return _validate_partner_role(value)


class PartnerUserInviteSerializer(PartnerUserRoleSerializer):
    email = serializers.EmailField()
    full_name = serializers.CharField(max_length=200)


class ApplicationTransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.email", default=None, read_only=True)
    # Plain strings: one status enum per schema (the application's own "status" below).
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = ApplicationTransition
        fields = ["from_status", "to_status", "actor", "note", "created_at"]
        read_only_fields = fields


class PartnerApplicationSerializer(serializers.ModelSerializer):
    transitions = ApplicationTransitionSerializer(many=True, read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="submitted, screening, assessment, negotiation, signing, active or rejected",
    )

    class Meta:
        model = PartnerApplication
        fields = [
            "id",
            "legal_name",
            "tax_id",
            "country",
            "regions",
            "partner_type",
            "business_scope",
            "contact_name",
            "contact_email",
            "contact_phone",
            "revenue_band",
            "technical_staff",
            "referred_by",
            "status",
            "rejection_reason",
            "score_qualification",
            "score_business",
            "score_resources",
            "score_willingness",
            "site_visit_report",
            "partner",
            "submitted_at",
            "transitions",
        ]
        read_only_fields = fields


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AssessSerializer(serializers.Serializer):
    qualification = serializers.IntegerField(min_value=0, max_value=100)
    business = serializers.IntegerField(min_value=0, max_value=100)
    resources = serializers.IntegerField(min_value=0, max_value=100)
    willingness = serializers.IntegerField(min_value=0, max_value=100)
    report = serializers.CharField(required=False, allow_blank=True, default="")


# --- tiers, scorecards and NPS (DESIGN §2.3, §2.4) ---------------------------------------------


class TierProposalSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    current_tier = serializers.CharField(source="current_tier.code", read_only=True)
    qualified_tier = serializers.CharField(source="qualified_tier.code", read_only=True)
    proposed_tier = serializers.CharField(source="proposed_tier.code", read_only=True)
    decided_by = serializers.CharField(source="decided_by.email", default=None, read_only=True)
    outcome = serializers.CharField(read_only=True, help_text="upgrade or downgrade")
    status = serializers.CharField(
        read_only=True, help_text="pending, confirmed, rejected or superseded"
    )

    class Meta:
        model = TierEvaluation
        fields = [
            "id",
            "partner",
            "partner_name",
            "quarter",
            "current_tier",
            "qualified_tier",
            "proposed_tier",
            "outcome",
            "status",
            "revenue",
            "certified_staff",
            "senior_certified_staff",
            "nps",
            "open_violations",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = fields


class ScorecardSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="yearly or on_demand")

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "partner",
            "kind",
            "year",
            "reason",
            "score_revenue",
            "score_marketing",
            "score_satisfaction",
            "score_compliance",
            "score_team",
            "score_inventory",
            "weights",
            "weight_set",
            "weight_set_name",
            "figures",
            "total",
            "classification",
            "created_at",
        ]
        read_only_fields = fields


class ScorecardWeightSetSerializer(serializers.ModelSerializer):
    partner_types = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="empty: every type"
    )
    regions = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="empty: every region"
    )
    specificity = serializers.IntegerField(
        read_only=True, help_text="3 types and regions, 2 types only, 1 regions only"
    )

    class Meta:
        model = ScorecardWeightSet
        fields = [
            "id",
            "name",
            "partner_types",
            "regions",
            "specificity",
            *WEIGHT_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class NpsResponseSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, help_text="form or import")

    class Meta:
        model = NpsResponse
        fields = [
            "id",
            "partner",
            "quarter",
            "score",
            "respondent",
            "comment",
            "source",
            "created_at",
        ]
        read_only_fields = ["id", "source", "created_at"]
        extra_kwargs = {"score": {"min_value": 0, "max_value": 10}}

    def validate_quarter(self, value: str) -> str:
        try:
            return str(Quarter.parse(value))
        except ValueError as exc:
            raise serializers.ValidationError(_("Enter a quarter like 2026Q3.")) from exc
