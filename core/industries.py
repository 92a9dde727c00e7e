"""The known customer industries (DESIGN §3.1, §2.2): a lead's or deal's industry and a partner's
specializations are free text, stored in lower case; the known ones are shown by a translated
label, any other value as typed. Shared by deals and partners (a partner's specializations use the
same words as a lead's industry, so that an exclusive lead finds its specialists)."""

from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import pgettext_lazy

INDUSTRIES: list[tuple[str, object]] = [
    ("manufacturing", pgettext_lazy("industry", "Manufacturing")),
    ("finance", pgettext_lazy("industry", "Finance")),
    ("retail", pgettext_lazy("industry", "Retail")),
    ("education", pgettext_lazy("industry", "Education")),
    ("healthcare", pgettext_lazy("industry", "Healthcare")),
    ("logistics", pgettext_lazy("industry", "Logistics")),
    ("government", pgettext_lazy("industry", "Government")),
    ("energy", pgettext_lazy("industry", "Energy")),
    ("telecommunications", pgettext_lazy("industry", "Telecommunications")),
    ("internet", pgettext_lazy("industry", "Internet")),
    ("real estate", pgettext_lazy("industry", "Real estate")),
    ("automotive", pgettext_lazy("industry", "Automotive")),
]
INDUSTRY_LABELS = dict(INDUSTRIES)


def industry_label(value: str | None) -> str:
    """The reader's label of a known industry, the value as typed otherwise."""
    if not value:
        return ""
    label = INDUSTRY_LABELS.get(value.strip().lower())
    return str(label) if label is not None else value


def industry_code(text: str | None) -> str:
    """What is stored for a typed industry: a known industry typed by its code or its label (in
    either language, any case) becomes its code; any other text is kept as typed."""
    typed = " ".join((text or "").split())
    value = typed.lower()
    if not value or value in INDUSTRY_LABELS:
        return value
    for code, label in INDUSTRIES:
        for language in ("en", "zh-hans"):
            with translation.override(language):
                if str(label).lower() == value:
                    return code
    return typed


class IndustryInput(forms.TextInput):
    """A free-text input that suggests the known industries (their labels shown, their code
    entered)."""

    template_name = "core/forms/industry_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["list"] = (
            f"{context['widget']['attrs'].get('id', name)}-industries"
        )
        context["widget"]["industries"] = [(code, str(label)) for code, label in INDUSTRIES]
        return context
