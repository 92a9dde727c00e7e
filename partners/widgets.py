"""Form widgets other apps use to name a partner."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from .models import Partner

# Which partners the suggestions come from (`selectors.partner_suggestion_base_for`): those the
# user may see, those they manage, those that may receive a leaving partner's work.
SUGGESTION_SCOPES = ("view", "manage", "receive")
# The parameter htmx sends the typed text in when the view is not told otherwise: the field's name.
DEFAULT_FIELD = "partner"


class PartnerKeyInput(forms.TextInput):
    """A partner typed by tax ID or name, with suggestions from the partners the user may see (or
    manage, `scope`): a `<datalist>` that htmx fills as they type (`partners:partner_suggestions`).
    A select of every partner would write 10,000 options into the page at full scale (DESIGN §10).

    A partner given as the value (a form's initial) is shown by its tax ID, which the field takes
    back, with its name beside it and in the datalist option, as a suggestion shows it."""

    template_name = "partners/forms/partner_key_input.html"
    scope = "view"

    def format_value(self, value):
        if isinstance(value, Partner):
            return value.tax_id
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        options_id = f"{attrs.get('id', name)}-suggestions"
        params = {}
        if name != DEFAULT_FIELD:
            params["field"] = name
        if self.scope != "view":
            params["scope"] = self.scope
        url = reverse("partners:partner_suggestions")
        attrs.update(
            {
                "list": options_id,
                "autocomplete": "off",
                "hx-get": f"{url}?{urlencode(params)}" if params else url,
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{options_id}",
                "hx-swap": "innerHTML",
            }
        )
        context["widget"]["partners"] = [value] if isinstance(value, Partner) else []
        return context
