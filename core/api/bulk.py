"""API shapes of a bulk decision on an approval queue (DESIGN §8.1): ids, one decision, one reason
in; one result per id out. The queue's viewset runs it with `core.bulk.bulk_apply`."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..bulk import BULK_MAX_ROWS, BulkResult


class BulkDecisionSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=BULK_MAX_ROWS,
    )
    decision = serializers.ChoiceField(choices=[])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def __init__(
        self,
        *args,
        decisions: Sequence[str] = ("approve", "reject"),
        reason_required: Collection[str] = ("reject",),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = list(decisions)
        self.reason_required = frozenset(reason_required)

    def validate(self, attrs: dict) -> dict:
        attrs["reason"] = attrs.get("reason", "").strip()
        attrs["ids"] = list(dict.fromkeys(attrs["ids"]))
        if attrs["decision"] in self.reason_required and not attrs["reason"]:
            raise serializers.ValidationError({"reason": _("Give the reason for this decision.")})
        return attrs


class BulkOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    decision = serializers.CharField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkOutcomeSerializer(many=True)


def bulk_result_data(result: BulkResult) -> dict:
    return {
        "decision": result.decision,
        "succeeded": len(result.succeeded),
        "failed": len(result.failed),
        "results": result.as_data(),
    }
