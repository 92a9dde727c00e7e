from decimal import Decimal

from rest_framework import serializers

from ..choices import ActivityType
from ..models import Claim, FundRequest, MdfLedgerEntry


class MdfLedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = MdfLedgerEntry
        fields = [
            "id",
            "partner",
            "kind",
            "amount",
            "currency",
            "quarter",
            "reason",
            "fund_request",
            "claim",
            "created_at",
        ]
        read_only_fields = fields


class MdfBalanceSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    currency = serializers.CharField()
    balance = serializers.DecimalField(max_digits=18, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=18, decimal_places=2)
    reserved = serializers.DecimalField(max_digits=18, decimal_places=2)
    reimbursed = serializers.DecimalField(max_digits=18, decimal_places=2)
    expired = serializers.DecimalField(max_digits=18, decimal_places=2)


class FundRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundRequest
        fields = [
            "id",
            "partner",
            "title",
            "activity_type",
            "description",
            "start_date",
            "end_date",
            "total_budget",
            "requested_amount",
            "currency",
            "amount_cny",
            "expected_leads",
            "status",
            "approvals_required",
            "approved_amount",
            "decision_note",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields


class FundRequestInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    total_budget = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    requested_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    expected_leads = serializers.IntegerField(min_value=0, default=0)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class DecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = [
            "id",
            "fund_request",
            "actual_spend",
            "leads_generated",
            "note",
            "status",
            "reimbursement_amount",
            "settlement_state",
            "submitted_at",
            "validated_at",
        ]
        read_only_fields = fields


class ClaimInputSerializer(serializers.Serializer):
    actual_spend = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    leads_generated = serializers.IntegerField(min_value=0, default=0)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = serializers.ListField(child=serializers.FileField(), allow_empty=False)
