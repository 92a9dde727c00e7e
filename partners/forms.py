from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, Role
from core.periods import Quarter
from core.uploads import validate_document

from .choices import (
    CreditKind,
    ExitKind,
    PartnerStatus,
    PartnerType,
    ReviewDecision,
    TerminationReason,
    ViolationKind,
    VisitKind,
)
from .fields import PartnerByKeyField
from .models import WEIGHT_FIELDS, Partner, PartnerApplication, ScorecardWeights
from .regions import REGIONS
from .rules import SPECIALIZATION_MAX_LENGTH, is_valid_credit_code, normalise_specialization
from .services import partner_parent_validate

PARTNER_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in PARTNER_ROLES]


def _blank(choices):
    return [("", _("Any"))] + list(choices)


class PartnerForm(forms.ModelForm):
    """Staff edit of a profile; the parent rules are checked here and again in the service."""

    regions = forms.MultipleChoiceField(label=_("Regions"), choices=REGIONS, required=False)
    specializations = forms.CharField(
        label=_("Specializations"), required=False, help_text=_("Comma-separated tags.")
    )

    class Meta:
        model = Partner
        fields = [
            "legal_name",
            "country",
            "partner_type",
            "regions",
            "parent",
            "channel_manager",
            "contract_currency",
            "credit_limit",
            "specializations",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Partner.objects.filter(
            partner_type=PartnerType.DISTRIBUTOR, parent__isnull=True
        ).exclude(pk=self.instance.pk)
        self.initial["specializations"] = ", ".join(self.instance.specializations or [])

    def clean_specializations(self) -> list[str]:
        """Comma-separated tags, normalised (lower case, single spaces) and without repeats."""
        raw = self.cleaned_data.get("specializations") or ""
        tags = list(dict.fromkeys(normalise_specialization(t) for t in raw.split(",") if t.strip()))
        too_long = [tag for tag in tags if len(tag) > SPECIALIZATION_MAX_LENGTH]
        if too_long:
            raise ValidationError(
                _("A tag has at most %(max)s characters: %(tags)s.")
                % {"max": SPECIALIZATION_MAX_LENGTH, "tags": ", ".join(too_long)}
            )
        return tags

    def clean(self):
        cleaned = super().clean()
        try:
            partner_parent_validate(
                partner=self.instance,
                parent=cleaned.get("parent"),
                partner_type=cleaned.get("partner_type") or self.instance.partner_type,
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class PartnerUserInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=PARTNER_ROLE_CHOICES)

    def clean_email(self) -> str:
        # Whether the address is taken is the service's answer, which names no other company.
        return self.cleaned_data["email"].strip().lower()


class PartnerUserRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PARTNER_ROLE_CHOICES)


class ApplicationForm(forms.ModelForm):
    """The public application form (no login)."""

    regions = forms.MultipleChoiceField(label=_("Regions covered"), choices=REGIONS)
    referral_tax_id = forms.CharField(
        label=_("Referred by (tax ID of an existing partner)"), required=False, max_length=40
    )

    class Meta:
        model = PartnerApplication
        fields = [
            "legal_name",
            "tax_id",
            "country",
            "regions",
            "partner_type",
            "business_scope",
            "contact_name",
            "contact_email",
            "contact_phone",
            "revenue_band",
            "technical_staff",
            "business_licence",
        ]
        help_texts = {
            "tax_id": _("China: the 18-character unified social credit code."),
            "country": _("Two-letter ISO code, e.g. CN or DE."),
        }

    def clean_country(self) -> str:
        country = (self.cleaned_data.get("country") or "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ValidationError(_("Enter a two-letter country code."))
        return country

    def clean_business_licence(self):
        upload = self.cleaned_data.get("business_licence")
        if upload:
            validate_document(upload)
        return upload

    def clean_referral_tax_id(self):
        """The referring partner when the tax ID is an active partner's, else nothing — silently:
        an anonymous form never tells whether a tax ID belongs to a partner (DESIGN §1)."""
        tax_id = (self.cleaned_data.get("referral_tax_id") or "").strip().upper()
        if not tax_id:
            return None
        return Partner.objects.filter(tax_id=tax_id, status=PartnerStatus.ACTIVE).first()

    def clean(self):
        cleaned = super().clean()
        tax_id = (cleaned.get("tax_id") or "").strip().upper()
        if tax_id:
            cleaned["tax_id"] = tax_id
            if cleaned.get("country") == "CN" and not is_valid_credit_code(tax_id):
                self.add_error(
                    "tax_id",
                    _("This is not a valid unified social credit code (check the 18 characters)."),
                )
        return cleaned

    def application_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["referred_by"] = self.cleaned_data.get("referral_tax_id")
        return data


class AssessmentForm(forms.Form):
    qualification = forms.IntegerField(label=_("Qualification"), min_value=0, max_value=100)
    business = forms.IntegerField(label=_("Business capability"), min_value=0, max_value=100)
    resources = forms.IntegerField(label=_("Resources"), min_value=0, max_value=100)
    willingness = forms.IntegerField(label=_("Willingness"), min_value=0, max_value=100)
    report = forms.CharField(label=_("Site-visit report"), widget=forms.Textarea, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FreezeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ViolationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ViolationKind.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    penalty = forms.DecimalField(
        label=_("Penalty"), min_value=0, max_digits=18, decimal_places=2, initial=0
    )
    evidence = forms.FileField(label=_("Evidence"), required=False)

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            validate_document(upload)
        return upload


# --- scorecards, NPS and specializations (DESIGN §2.2, §2.4) ----------------------------------

INVENTORY_WEIGHT_HELP = _(
    "Optional: the share of the partner's stocked products whose days of inventory lie within "
    "their family's limits. 0 leaves it out."
)


class _OptionalInventoryWeight:
    """Inventory health is an optional criterion: a form that leaves it out weighs it 0."""

    def clean_weight_inventory(self) -> int:
        return self.cleaned_data.get("weight_inventory") or 0


class ScorecardWeightsForm(_OptionalInventoryWeight, forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weight_inventory"].required = False
        self.fields["weight_inventory"].help_text = INVENTORY_WEIGHT_HELP

    class Meta:
        model = ScorecardWeights
        fields = WEIGHT_FIELDS


class ScorecardWeightSetForm(_OptionalInventoryWeight, forms.Form):
    """A weight set by partner type and region; the service checks the sum and the overlaps."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("Shown on each scorecard scored with it, e.g. “Distributor · East China”."),
    )
    partner_types = forms.MultipleChoiceField(
        label=_("Partner types"),
        choices=PartnerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every type (then name regions)."),
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions"),
        choices=REGIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every region (then name types). A partner in any of them matches."),
    )
    weight_revenue = forms.IntegerField(label=_("Revenue attainment"), min_value=0, max_value=100)
    weight_marketing = forms.IntegerField(
        label=_("Marketing effectiveness"), min_value=0, max_value=100
    )
    weight_satisfaction = forms.IntegerField(
        label=_("Customer satisfaction (NPS)"), min_value=0, max_value=100
    )
    weight_compliance = forms.IntegerField(
        label=_("Agreement compliance"), min_value=0, max_value=100
    )
    weight_team = forms.IntegerField(
        label=_("Team stability and certifications"), min_value=0, max_value=100
    )
    weight_inventory = forms.IntegerField(
        label=_("Inventory health"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=INVENTORY_WEIGHT_HELP,
    )


class ScorecardEvaluateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the incident that calls for a new evaluation."),
    )


def clean_quarter(value: str) -> str:
    try:
        return str(Quarter.parse(value))
    except ValueError as exc:
        raise ValidationError(_("Enter a quarter like 2026Q3.")) from exc


class NpsResponseForm(forms.Form):
    quarter = forms.CharField(label=_("Quarter"), max_length=6, help_text=_("For example 2026Q3."))
    score = forms.IntegerField(
        label=_("Score (0–10)"),
        min_value=0,
        max_value=10,
        help_text=_("How likely the customer is to recommend the partner."),
    )
    respondent = forms.CharField(label=_("Respondent"), max_length=200, required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_quarter(self) -> str:
        return clean_quarter(self.cleaned_data["quarter"])


# --- agreements, credit limits, business reports and visits (DESIGN §2.5, §2.6, §2.8) ---------

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
TEXT_AREA = forms.Textarea(attrs={"rows": 3})


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    terms = forms.CharField(label=_("Terms summary"), widget=TEXT_AREA, required=False)
    start_date = forms.DateField(label=_("Start date"), widget=DATE_INPUT)
    end_date = forms.DateField(label=_("End date"), widget=DATE_INPUT)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("The end date must be after the start date."))
        return data


class AgreementCreateForm(AgreementForm):
    partner = PartnerByKeyField(label=_("Partner"), suggest="manage")

    field_order = ["partner", "title", "terms", "start_date", "end_date"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.manageable_by(user)


class AgreementReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(label=_("Comments"), widget=TEXT_AREA, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == ReviewDecision.REJECTED and not data.get("comments", "").strip():
            self.add_error("comments", _("Say what must change before it is sent back."))
        return data


class AgreementSignForm(forms.Form):
    document = forms.FileField(label=_("Signed document"))
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_INPUT)

    def clean_document(self):
        upload = self.cleaned_data["document"]
        validate_document(upload)
        return upload


class AgreementTerminateForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=TerminationReason.choices)
    note = forms.CharField(label=_("Details"), widget=TEXT_AREA)


class CreditApplicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CreditKind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=18, decimal_places=2
    )
    project_name = forms.CharField(
        label=_("Project"),
        max_length=200,
        required=False,
        help_text=_("Required for a special (project) credit limit."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_INPUT, required=False)
    justification = forms.CharField(label=_("Justification"), widget=TEXT_AREA)

    def clean(self):
        data = super().clean()
        if data.get("kind") == CreditKind.SPECIAL and not data.get("project_name", "").strip():
            self.add_error("project_name", _("A special credit limit names its project."))
        return data


class CreditDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=TEXT_AREA, required=False)


class BusinessReportForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), widget=MONTH_INPUT, input_formats=["%Y-%m", "%Y-%m-%d"]
    )
    pipeline = forms.CharField(label=_("Pipeline"), widget=TEXT_AREA)
    marketing_activities = forms.CharField(
        label=_("Marketing activities"), widget=TEXT_AREA, required=False
    )
    customer_feedback = forms.CharField(
        label=_("Customer feedback"), widget=TEXT_AREA, required=False
    )
    support_needed = forms.CharField(label=_("Support needed"), widget=TEXT_AREA, required=False)


class BusinessReportEditForm(BusinessReportForm):
    month = None


class ReportReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the report")), ("return", _("Return for changes"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), widget=TEXT_AREA, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("comment", "").strip():
            self.add_error("comment", _("Say what must change before returning it."))
        return data


class VisitPlanForm(forms.Form):
    partner = PartnerByKeyField(label=_("Partner"), suggest="manage")
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE_INPUT)
    agenda = forms.CharField(label=_("Agenda"), widget=TEXT_AREA, required=False)
    attendees = forms.CharField(label=_("Attendees"), max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        field.queryset = Partner.objects.manageable_by(user)
        # A page may name the partner by id (`?partner=<pk>` from the visits page's flags).
        if not self.is_bound and self.initial.get("partner"):
            self.initial = {
                **dict(self.initial.items()),
                "partner": field.partner_for_initial(self.initial["partner"]),
            }


class VisitRecordForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE_INPUT)
    summary = forms.CharField(label=_("Summary"), widget=TEXT_AREA)
    next_steps = forms.CharField(label=_("Next steps"), widget=TEXT_AREA, required=False)

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise ValidationError(_("A visit is recorded once it has happened."))
        return day


# --- exit and handover (DESIGN §2.9) -----------------------------------------------------------


class PartnerExitStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExitKind.choices)
    exit_date = forms.DateField(label=_("Exit date"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=TEXT_AREA)


class ExitItemDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
