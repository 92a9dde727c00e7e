from rest_framework import serializers

from ..models import User


class MeSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.legal_name", default=None, read_only=True)

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
