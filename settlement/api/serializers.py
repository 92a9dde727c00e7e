from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import ResolutionAction
from ..models import (
    AnomalyResolution,
    Order,
    ReconciliationAnomaly,
    ReconciliationRun,
    ReviewRound,
    SettlementPolicy,
    Statement,
    StatementApproval,
    StatementLine,
)
from ..selectors import review_rounds_for


class StatementLineSerializer(serializers.ModelSerializer):
    # In the reader's language (names of programmes in theirs too); older lines as stored.
    description = serializers.CharField(source="display_description", read_only=True)

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
            "revision_of",
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


class StatementApprovalSerializer(serializers.ModelSerializer):
    approver = serializers.StringRelatedField()

    class Meta:
        model = StatementApproval
        fields = ["approver", "note", "created_at"]
        read_only_fields = fields


class ReviewRoundSerializer(serializers.ModelSerializer):
    submitted_by = serializers.StringRelatedField(allow_null=True)
    ended_by = serializers.StringRelatedField(allow_null=True)
    approvals = StatementApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewRound
        fields = [
            "number",
            "submitted_by",
            "submitted_at",
            "required_approvals",
            "outcome",
            "ended_by",
            "ended_at",
            "end_note",
            "approvals",
        ]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    """A statement with its lines and the history of its review rounds (as the user may see it)."""

    lines = StatementLineSerializer(many=True, read_only=True)
    review_rounds = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()

    class Meta(StatementSerializer.Meta):
        fields = [
            *StatementSerializer.Meta.fields,
            "superseded_by",
            "verification_code",
            "lines",
            "review_rounds",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_superseded_by(self, statement: Statement) -> int | None:
        """The re-issued revision that replaces this statement (DESIGN §6.2), if any."""
        successor = statement.successor
        return successor.pk if successor is not None else None

    @extend_schema_field(ReviewRoundSerializer(many=True))
    def get_review_rounds(self, statement: Statement) -> list[dict]:
        rounds = review_rounds_for(user=self.context["request"].user, statement=statement)
        return ReviewRoundSerializer(rounds, many=True).data


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class DisputeResolveInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000)
    adjustment_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, allow_null=True, default=None
    )
    reissue = serializers.BooleanField(required=False, default=False)


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


class SettlementPolicySerializer(serializers.ModelSerializer):
    """The settlement settings (finance): countersign threshold and matching rules."""

    class Meta:
        model = SettlementPolicy
        fields = [
            "countersign_threshold",
            "countersign_approvers",
            "match_window_days",
            "amount_tolerance",
            "duplicate_payment_days",
        ]
