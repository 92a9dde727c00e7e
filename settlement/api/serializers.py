from rest_framework import serializers

from ..choices import ResolutionAction
from ..models import (
    AnomalyResolution,
    Order,
    ReconciliationAnomaly,
    ReconciliationRun,
    Statement,
    StatementLine,
)


class StatementLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementLine
        fields = [
            "id",
            "kind",
            "description",
            "amount",
            "original_amount",
            "original_currency",
            "fx_rate",
        ]


class StatementSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "number",
            "partner",
            "partner_name",
            "period",
            "revision",
            "currency",
            "state",
            "subtotal",
            "carried_balance",
            "tax_rate",
            "tax_amount",
            "payable",
            "required_approvals",
            "published_at",
            "response_due_at",
            "confirmed_at",
        ]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    lines = StatementLineSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "verification_code", "lines"]
        read_only_fields = fields


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class DisputeInputSerializer(serializers.Serializer):
    lines = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    reason = serializers.CharField(max_length=4000)


class ReconciliationRunSerializer(serializers.ModelSerializer):
    job_status = serializers.CharField(source="job.status", read_only=True, default=None)
    percent = serializers.IntegerField(source="job.percent", read_only=True, default=0)

    class Meta:
        model = ReconciliationRun
        fields = [
            "id",
            "created_at",
            "finished_at",
            "chunks",
            "chunks_done",
            "job",
            "job_status",
            "percent",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "partner",
            "partner_name",
            "order_date",
            "amount",
            "currency",
            "source",
            "status",
            "paid_amount",
            "delivered_amount",
        ]
        read_only_fields = fields


class AnomalyResolutionSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = AnomalyResolution
        fields = ["action", "note", "actor", "created_at"]
        read_only_fields = fields


class AnomalySerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    order_reference = serializers.CharField(source="order.reference", default=None)
    payment_transaction = serializers.CharField(source="payment.transaction_id", default=None)
    related_payment_transaction = serializers.CharField(
        source="related_payment.transaction_id", default=None
    )
    delivery_reference = serializers.CharField(source="delivery.reference", default=None)
    resolution = AnomalyResolutionSerializer(read_only=True, default=None)

    class Meta:
        model = ReconciliationAnomaly
        fields = [
            "id",
            "kind",
            "state",
            "partner",
            "partner_name",
            "run",
            "order_reference",
            "payment_transaction",
            "related_payment_transaction",
            "delivery_reference",
            "expected_amount",
            "actual_amount",
            "currency",
            "created_at",
            "closed_at",
            "resolution",
        ]
        read_only_fields = fields


class AnomalyResolveInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ResolutionAction.choices)
    note = serializers.CharField(max_length=2000)
