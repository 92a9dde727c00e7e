from rest_framework import serializers

from ..models import Statement, StatementLine


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
