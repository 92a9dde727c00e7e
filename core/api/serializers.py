from rest_framework import serializers

from ..models import FxRate, ImportBatch, JobRun, Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


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
