"""Forms of the flag review, the freeze decision and the flag settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import InventoryFlagPolicy
from .services.flags import FreezeDecision


class FlagReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason.")},
    )


class FreezeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(FreezeDecision.FREEZE, _("Freeze")), (FreezeDecision.DECLINE, _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason.")},
    )


class FlagPolicyForm(forms.ModelForm):
    class Meta:
        model = InventoryFlagPolicy
        fields = ["deduction_amount", "deduction_currency"]
