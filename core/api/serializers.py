from django.utils import translation
from rest_framework import serializers

from ..models import FxRate, ImportBatch, JobRun, Notification, NotificationDelivery


class NotificationSerializer(serializers.ModelSerializer):
    """Title and body in the reader's language (the request's), as the pages show them."""

    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        user = getattr(self.context.get("request"), "user", None)
        with translation.override(getattr(user, "language", None) or translation.get_language()):
            return super().to_representation(instance)


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")
    unread = serializers.IntegerField()


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    group = serializers.CharField()
    group_label = serializers.CharField()
    label = serializers.CharField()
    delivery = serializers.ChoiceField(choices=NotificationDelivery.choices)


class NotificationPreferencesSerializer(serializers.Serializer):
    preferences = NotificationPreferenceSerializer(many=True)


class NotificationPreferencesUpdateSerializer(serializers.Serializer):
    preferences = serializers.DictField(
        child=serializers.CharField(),
        help_text='Kind → "email", "digest" or "off", e.g. {"deal.approved": "digest"}.',
    )


class JobRunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = JobRun
        fields = [
            "id",
            "kind",
            "label",
            "status",
            "total",
            "done",
            "percent",
            "message",
            "result",
            "attempts",
            "heartbeat_at",
            "resumable",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportBatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "original_name",
            "status",
            "row_count",
            "imported_count",
            "error_count",
            "errors",
            "job",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.CharField()
    file = serializers.FileField()


class FxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = FxRate
        fields = ["id", "base_currency", "quote_currency", "rate_date", "rate"]


class SearchQuerySerializer(serializers.Serializer):
    """`?q=`: what to search for (2 to 100 characters once spaces are collapsed)."""

    q = serializers.CharField(required=True, allow_blank=True, trim_whitespace=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class SearchHitSerializer(serializers.Serializer):
    title = serializers.CharField()
    subtitle = serializers.CharField()
    url = serializers.CharField(help_text="The record's page in the portal.")
    score = serializers.FloatField(help_text="1 for an exact match, lower for a fuzzier one.")


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="partners, deals, leads, statements or users")
    label = serializers.CharField()
    hits = SearchHitSerializer(many=True)


class SearchResultSerializer(serializers.Serializer):
    q = serializers.CharField(help_text="The text as searched: NFKC, spaces collapsed.")
    groups = SearchGroupSerializer(many=True)
