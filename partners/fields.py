"""Form fields other apps use to name a partner."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Partner
from .widgets import SUGGESTION_SCOPES, PartnerKeyInput


class PartnerByKeyField(forms.CharField):
    """A partner named by its tax ID or its exact legal name, among `queryset` (every partner when
    none is given). A partner outside it is "not found", however it is named. A select of every
    partner would write 10,000 options (half a megabyte, 200 ms) into the page at full scale
    (DESIGN §10).

    `suggest` names the partners the widget's suggestions come from (`SUGGESTION_SCOPES`): the
    same ones as `queryset`, or the nearest wider set when the form narrows it further.
    """

    default_error_messages = {
        "invalid_choice": _("No partner has this tax ID or name."),
        "ambiguous": _("Several partners have this name: enter the tax ID."),
    }

    def __init__(
        self, *, queryset: QuerySet[Partner] | None = None, suggest: str = "view", **kwargs
    ) -> None:
        if suggest not in SUGGESTION_SCOPES:
            raise ValueError(f"Unknown partner suggestion scope: {suggest!r}")
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", _("Tax ID or exact legal name."))
        kwargs.setdefault("widget", PartnerKeyInput)
        super().__init__(**kwargs)
        self.queryset = queryset
        self.widget.scope = suggest

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        # Like ModelChoiceField: each form gets its own field, the queryset is not evaluated.
        if self.queryset is not None:
            result.queryset = self.queryset.all()
        return result

    def _partners(self) -> QuerySet[Partner]:
        return Partner.objects.all() if self.queryset is None else self.queryset

    def clean(self, value) -> Partner | None:
        key = super().clean(value)
        if not key:
            return None
        partners = self._partners().order_by()
        # A tax ID is matched whole, spaces and case aside, as the suggestions match it.
        codes = {key, key.replace(" ", "").upper()}
        partner = partners.filter(tax_id__in=codes).first()
        if partner is not None:
            return partner
        named = list(partners.filter(legal_name=key).order_by("pk")[:2])
        if not named:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if len(named) > 1:
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous")
        return named[0]

    def partner_for_initial(self, raw) -> Partner | None:
        """The partner a page names by id (`?partner=<pk>`) to fill the field in, if it is one of
        the field's partners; otherwise the field starts empty."""
        if isinstance(raw, Partner) or raw in (None, ""):
            return raw or None
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            return None
        return self._partners().filter(pk=pk).first()
