from rest_framework import serializers

from ..models import User


class MeSerializer(serializers.ModelSerializer):
    # `allow_null`, not `default=None`: a default is skipped in partial (PATCH) answers.
    partner_name = serializers.CharField(
        source="partner.legal_name", allow_null=True, read_only=True
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "partner",
            "partner_name",
            "language",
            "phone",
        ]
        read_only_fields = ["id", "email", "role", "partner", "partner_name"]
