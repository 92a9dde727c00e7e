"""Forms of the rebates app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.periods import Quarter
from partners.fields import PartnerByKeyField

from .choices import RevenueSource
from .models import PROGRAMME_FIELDS, Programme
from .services import quarter_close_check


class ProgrammeForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A form that does not say takes its revenue where programmes always have: sell-in.
        self.fields["revenue_source"].required = False

    def clean_revenue_source(self) -> str:
        return self.cleaned_data.get("revenue_source") or RevenueSource.SELL_IN

    class Meta:
        model = Programme
        fields = PROGRAMME_FIELDS
        help_texts = {
            "eligible_product_codes": _("Comma-separated product codes."),
            "strategic_product_codes": _("Comma-separated product codes."),
            "revenue_source": _(
                "Sell-through counts what partners reported selling to end customers; the end "
                "customer is the contract the cap applies to."
            ),
        }


class BracketForm(forms.Form):
    lower = forms.DecimalField(label=_("From attainment %"), max_digits=7, decimal_places=2)
    upper = forms.DecimalField(
        label=_("To attainment %"), max_digits=7, decimal_places=2, required=False
    )
    rate = forms.DecimalField(
        label=_("Rebate rate"), max_digits=6, decimal_places=4, min_value=0, max_value=1
    )


BracketFormSet = forms.formset_factory(BracketForm, extra=2, can_delete=True)


def brackets_from(formset) -> list[tuple]:
    return [
        (f.cleaned_data["lower"], f.cleaned_data.get("upper"), f.cleaned_data["rate"])
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class TargetForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.all())
    partner = PartnerByKeyField(label=_("Partner"))
    period = forms.CharField(label=_("Quarter"), max_length=6, help_text=_("For example 2026Q3."))
    amount = forms.DecimalField(
        label=_("Target (contract currency)"), max_digits=18, decimal_places=2, min_value=0.01
    )

    def clean_period(self) -> str:
        try:
            return str(Quarter.parse(self.cleaned_data["period"]))
        except ValueError as exc:
            raise ValidationError(_("Enter a quarter like 2026Q3.")) from exc


class RunForm(forms.Form):
    period = forms.CharField(label=_("Quarter"), max_length=6)

    def clean_period(self) -> str:
        try:
            return str(Quarter.parse(self.cleaned_data["period"]))
        except ValueError as exc:
            raise ValidationError(_("Enter a quarter like 2026Q3.")) from exc


class QuarterCloseForm(RunForm):
    """Close an ended quarter and hand its accruals to settlement (checked again by the service)."""

    def clean_period(self) -> str:
        period = super().clean_period()
        try:
            quarter_close_check(period=Quarter.parse(period))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["period"]) from exc
        return period


class AccrualFilterForm(forms.Form):
    period = forms.CharField(label=_("Quarter"), max_length=6, required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.all(), required=False
    )
    partner = forms.CharField(
        label=_("Partner"),
        max_length=100,
        required=False,
        help_text=_("Name or tax ID."),
    )
