"""Forms shared by every app, and the one way a page shows a service's refusal on its form."""

from __future__ import annotations

from collections.abc import Collection

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import NotificationDelivery
from .notifications import GROUP_LABELS
from .uploads import validate_spreadsheet


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"), validators=[validate_spreadsheet])


class NotificationPreferencesForm(forms.Form):
    """One choice per notification kind the person may receive (e-mail each, digest, none)."""

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            self.fields[kind.kind] = forms.ChoiceField(
                label=kind.label, choices=NotificationDelivery.choices
            )

    def groups(self) -> list[tuple[str, list]]:
        """(group label, bound fields) in the order of the kinds."""
        grouped: dict[str, list] = {}
        for kind in self.kinds:
            grouped.setdefault(kind.group, []).append(self[kind.kind])
        return [(GROUP_LABELS[group], fields) for group, fields in grouped.items()]


def apply_service_errors(
    form: forms.BaseForm,
    exc: ValidationError,
    *,
    default: str | None = None,
    keep: Collection[str] = (),
) -> dict[str, list[str]]:
    """Show a service's `ValidationError` on the form: each message next to the field it names,
    messages for no field of the form (or without a field, under `default`) above the form.

    Messages for the fields in `keep` (parts of the page that are not fields of this form, such as
    a formset) are not added: they are returned, by field, for the page to show itself.
    """
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {default: exc.messages}
    kept: dict[str, list[str]] = {}
    for field, messages in by_field.items():
        if field in keep:
            kept[field] = list(messages)
        else:
            form.add_error(field if field in form.fields else None, messages)
    return kept
