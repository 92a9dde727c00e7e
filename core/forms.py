from django import forms
from django.utils.translation import gettext_lazy as _

from .uploads import validate_spreadsheet


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"), validators=[validate_spreadsheet])


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who (e-mail)"), required=False)
    object_repr = forms.CharField(label=_("Object"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
