from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User

from ..forms import PARTNER_ROLE_CHOICES
from ..models import ApplicationTransition, Partner, PartnerApplication


class PartnerSerializer(serializers.ModelSerializer):
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
