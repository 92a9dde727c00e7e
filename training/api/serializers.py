from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Certification, Course, Module


class ModuleSerializer(serializers.ModelSerializer):
    # The portal's download (scoped like the module), never the file's place in the storage.
    attachment = serializers.SerializerMethodField()
    # The title in the reader's language; `title` (English) and `title_zh` as given.
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Module
        fields = [
            "id",
            "position",
            "title",
            "title_zh",
            "display_name",
            "body",
            "attachment",
            "video_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_attachment(self, module: Module) -> str | None:
        if not module.attachment:
            return None
        url = reverse("training:module_attachment", args=[module.course_id, module.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CourseSerializer(serializers.ModelSerializer):
    """Course and its modules; exam questions and answers are never part of it."""

    module_count = serializers.IntegerField(read_only=True)
    done_count = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "title_zh",
            "display_name",
            "track",
            "level",
            "description",
            "module_count",
            "done_count",
        ]
        read_only_fields = fields


class CourseDetailSerializer(CourseSerializer):
    modules = ModuleSerializer(many=True, read_only=True)

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "modules"]
        read_only_fields = fields


class ProgressSerializer(serializers.Serializer):
    course = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    title_zh = serializers.CharField()
    display_name = serializers.CharField()
    done = serializers.IntegerField(source="done_count")
    total = serializers.IntegerField(source="module_count")


class CertificationSerializer(serializers.ModelSerializer):
    holder = serializers.CharField(source="user.full_name", read_only=True)
    partner_name = serializers.CharField(source="partner.legal_name", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    course_title_zh = serializers.CharField(source="course.title_zh", read_only=True)
    course_display_name = serializers.CharField(source="course.display_name", read_only=True)

    class Meta:
        model = Certification
        fields = [
            "id",
            "holder",
            "partner",
            "partner_name",
            "course",
            "course_title",
            "course_title_zh",
            "course_display_name",
            "track",
            "level",
            "code",
            "issued_on",
            "expires_on",
        ]
        read_only_fields = fields
