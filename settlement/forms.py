from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.periods import Quarter

from .choices import ResolutionAction
from .models import SettlementPolicy


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("label", _("Period"))
        kwargs.setdefault("help_text", _("A quarter like 2026Q3"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return str(Quarter.parse(value))
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a quarter like 2026Q3.")) from exc


class StatementBuildForm(forms.Form):
    period = PeriodField()


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DisputeForm(forms.Form):
    lines = forms.ModelMultipleChoiceField(
        label=_("Disputed lines"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=4000)
    evidence = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args, statement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].queryset = statement.lines.all()


class DisputeResolveForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea, max_length=4000)
    adjustment_amount = forms.DecimalField(
        label=_("Adjustment on the next statement"),
        help_text=_("With a re-issue, the adjustment is a line of the new revision instead."),
        required=False,
        max_digits=18,
        decimal_places=2,
    )
    reissue = forms.BooleanField(
        label=_("Re-issue the statement"),
        help_text=_(
            "A new revision replaces the disputed statement and goes through review and "
            "approval again before it is published to the partner."
        ),
        required=False,
    )


class AnomalyResolveForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ResolutionAction.choices)
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SettlementPolicyForm(forms.ModelForm):
    """The settlement settings page (finance): countersign threshold and matching rules."""

    class Meta:
        model = SettlementPolicy
        fields = (
            "countersign_threshold",
            "countersign_approvers",
            "match_window_days",
            "amount_tolerance",
            "duplicate_payment_days",
        )


class PartnerTaxRateForm(forms.Form):
    """One partner's withholding tax rate, entered as a percentage (6 means 6 %)."""

    tax_id = forms.CharField(label=_("Partner tax ID"), max_length=40)
    rate_percent = forms.DecimalField(
        label=_("Tax rate (%)"), min_value=0, max_value=Decimal("99.99"), decimal_places=2
    )
