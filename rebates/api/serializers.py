from rest_framework import serializers

from ..models import PROGRAMME_FIELDS, Accrual, Bracket, Programme


class AccrualSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    programme_name_zh = serializers.CharField(source="programme.name_zh", read_only=True)
    # The programme's name in the reader's language (the other one when only that is given).
    programme_display_name = serializers.CharField(source="programme.display_name", read_only=True)

    class Meta:
        model = Accrual
        fields = [
            "id",
            "partner",
            "partner_name",
            "programme",
            "programme_name",
            "programme_name_zh",
            "programme_display_name",
            "period",
            "amount",
            "currency",
            "revenue",
            "target",
            "attainment",
            "effective_rate",
            "trace",
            "calculated_at",
        ]
        read_only_fields = fields


class BracketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bracket
        fields = ["lower", "upper", "rate"]


class ProgrammeSerializer(serializers.ModelSerializer):
    brackets = BracketSerializer(many=True, read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "period_type", *PROGRAMME_FIELDS, "display_name", "brackets"]
        read_only_fields = fields
