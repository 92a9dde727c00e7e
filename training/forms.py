from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Course, Exam, Module, Question


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["title", "title_zh", "track", "level", "description", "is_published"]


class ModuleForm(forms.ModelForm):
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    class Meta:
        model = Module
        fields = ["position", "title", "title_zh", "body", "attachment", "video_url"]
        help_texts = {
            "body": _(
                "Blank lines separate paragraphs. Lines starting with # or ## are headings, "
                "with - or 1. list items; **bold**, *italic*, `code` and [label](https://…) links."
            )
        }

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.course = course

    def clean(self):
        data = super().clean()
        if not (data.get("body") or data.get("attachment") or data.get("video_url")):
            raise ValidationError(_("Give the module a text, a file or a video link."))
        return data


class ExamForm(forms.ModelForm):
    class Meta:
        model = Exam
        fields = ["question_count", "time_limit_minutes", "pass_mark", "max_attempts"]


class QuestionForm(forms.ModelForm):
    options = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One option per line; start the correct ones with an asterisk (*)."),
    )

    class Meta:
        model = Question
        fields = ["text", "kind"]

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        parsed = [(line.lstrip("*").strip(), line.startswith("*")) for line in lines]
        if len(parsed) < 2:
            self.add_error("options", _("Give at least two options."))
        correct = sum(1 for _text, ok in parsed if ok)
        if correct == 0:
            self.add_error("options", _("Mark at least one option correct."))
        elif data.get("kind") == "single" and correct != 1:
            self.add_error("options", _("A single-choice question has exactly one correct option."))
        data["parsed_options"] = parsed
        return data
