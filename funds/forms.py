from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.fields import PartnerByKeyField

from .choices import ActivityType

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 16, "decimal_places": 2}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class FundRequestForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    activity_type = forms.ChoiceField(label=_("Activity type"), choices=ActivityType.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    total_budget = forms.DecimalField(label=_("Total budget"), min_value=Decimal("0.01"), **MONEY)
    requested_amount = forms.DecimalField(
        label=_("Requested vendor share"),
        min_value=Decimal("0.01"),
        help_text=_("At most half of the budget and no more than your available balance."),
        **MONEY,
    )
    expected_leads = forms.IntegerField(label=_("Expected leads"), min_value=0, initial=0)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class AllocationForm(forms.Form):
    partner = PartnerByKeyField(label=_("Partner"), suggest="manage")
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)


class ClaimForm(forms.Form):
    actual_spend = forms.DecimalField(label=_("Actual spend"), min_value=Decimal("0.01"), **MONEY)
    leads_generated = forms.IntegerField(label=_("Leads generated"), min_value=0, initial=0)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)
    attachments = MultipleFileField(
        label=_("Proof of performance"),
        help_text=_("Invoices, photos, attendee list (PDF, images, Word or Excel)."),
    )


class ActivityResultForm(forms.Form):
    leads_count = forms.IntegerField(label=_("Leads"), min_value=0)
    deal_revenue = forms.DecimalField(
        label=_("Other attributed revenue"),
        min_value=Decimal("0"),
        help_text=_(
            "Revenue from the activity that is not a registered deal referencing it; won deals "
            "that reference the activity are counted automatically."
        ),
        **MONEY,
    )
