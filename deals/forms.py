from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bulk import BulkIdsField
from core.industries import IndustryInput, industry_code
from core.money import CURRENCY_CHOICES
from partners.fields import PartnerByKeyField
from partners.models import Tier

from .attribution import activity_of, attributable_requests_for
from .choices import PriceLevel
from .customer_data import SENSITIVE_CUSTOMER_FIELDS, sees_customer_contact
from .models import Deal, DealLine, DealSettings, Product
from .services.price_lists import PriceChange, price_change_errors


class DealForm(forms.ModelForm):
    # Not a column of the deal: funds keeps the link (see deals.attribution).
    fund_request = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("MDF activity"),
        help_text=_("The co-funded marketing activity this opportunity came from, if any."),
    )

    class Meta:
        model = Deal
        fields = [
            "customer_name",
            "customer_tax_id",
            "customer_region",
            "customer_contact_name",
            "customer_contact_phone",
            "customer_contact_email",
            "customer_address",
            "industry",
            "project_name",
            "currency",
            "expected_close_date",
            "competitors",
            "notes",
        ]
        widgets = {
            "expected_close_date": forms.DateInput(attrs={"type": "date"}),
            "industry": IndustryInput,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Who may not see the customer's contact in full cannot read it here either (DESIGN §2.7):
        # the fields are left out and keep their values.
        if not sees_customer_contact(user=user, record=self.instance):
            for name in SENSITIVE_CUSTOMER_FIELDS:
                del self.fields[name]
        # Only the company's own approved (or claimed) MDF activities can be referenced.
        self.fields["fund_request"].queryset = attributable_requests_for(
            partner_id=self.instance.partner_id
        )
        if self.instance.pk and not self.is_bound:
            self.initial["fund_request"] = activity_of(self.instance)

    def clean_industry(self) -> str:
        return industry_code(self.cleaned_data.get("industry"))


class DealLineForm(forms.ModelForm):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True), label=_("product")
    )

    class Meta:
        model = DealLine
        fields = ["product", "quantity", "unit_price"]


DealLineFormSet = forms.inlineformset_factory(
    Deal, DealLine, form=DealLineForm, extra=3, can_delete=False, min_num=1, validate_min=True
)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ExtensionForm(forms.Form):
    justification = forms.CharField(
        label=_("justification"), widget=forms.Textarea(attrs={"rows": 3})
    )


class LostForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class WonForm(forms.Form):
    order_number = forms.CharField(label=_("order number"), max_length=60)
    closed_on = forms.DateField(
        label=_("close date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class LeadForm(forms.ModelForm):
    class Meta:
        from .models import Lead

        model = Lead
        fields = [
            "project_name",
            "customer_name",
            "customer_tax_id",
            "customer_region",
            "customer_contact_name",
            "customer_contact_phone",
            "customer_contact_email",
            "customer_address",
            "industry",
            "estimated_value",
            "currency",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "industry": IndustryInput}
        help_texts = {
            "industry": _(
                "Optional. When given, the exclusive offer goes only to core partners "
                "specialized in it."
            )
        }

    def clean_industry(self) -> str:
        return industry_code(self.cleaned_data.get("industry"))


class HandoverForm(forms.Form):
    """The selected open registrations of a leaving partner and who receives them (DESIGN §2.9);
    no partner chosen means back to the vendor."""

    ids = BulkIdsField()
    to_partner = PartnerByKeyField(
        label=_("Hand over to"),
        required=False,
        suggest="receive",
        help_text=_("Tax ID or exact legal name; empty: back to the vendor (protection ends)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, receivers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_partner"].queryset = receivers


class DealSettingsForm(forms.ModelForm):
    """The deal settings page (administrators): conflict threshold, SLA, extension."""

    class Meta:
        model = DealSettings
        fields = ("similarity_threshold", "sla_business_days", "extension_days")


class PriceScheduleForm(forms.Form):
    """A new price of one level of a product from a date (DESIGN §4.4): guide and floor take a
    price and currency, a tier's agreement takes its discount off the guide price."""

    level = forms.ChoiceField(label=_("Level"), choices=PriceLevel.choices)
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.order_by("rank"),
        required=False,
        help_text=_("Agreement prices only."),
    )
    price = forms.DecimalField(
        label=_("Price"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Guide and floor prices."),
    )
    discount_percent = forms.DecimalField(
        label=_("Agreement discount %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("Off the guide price of the same day; agreement prices only."),
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("", "—"), *CURRENCY_CHOICES], required=False
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Exclusive. Empty: until the next scheduled price, or open."),
    )

    def change(self) -> PriceChange:
        data = self.cleaned_data
        agreement = data["level"] == PriceLevel.AGREEMENT
        return PriceChange(
            level=data["level"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            price=None if agreement else data.get("price"),
            currency="" if agreement else data.get("currency") or "",
            tier_id=data["tier"].pk if data.get("tier") else None,
            discount_percent=data.get("discount_percent") if agreement else None,
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for field, message in price_change_errors(
            self.change(), today=timezone.localdate()
        ).items():
            self.add_error(field if field in self.fields else None, message)
        return data
