"""Form widgets other apps use to name a partner."""

from __future__ import annotations

from django import forms
from django.urls import reverse


class PartnerKeyInput(forms.TextInput):
    """A partner typed by tax ID or name, with suggestions from the partners the user may see: a
    `<datalist>` that htmx fills as they type (`partners:partner_suggestions`). A select of every
    partner would write 10,000 options into the page at full scale (DESIGN §10)."""

    template_name = "partners/forms/partner_key_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        options_id = f"{attrs.get('id', name)}-suggestions"
        attrs.update(
            {
                "list": options_id,
                "autocomplete": "off",
                "hx-get": reverse("partners:partner_suggestions"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{options_id}",
                "hx-swap": "innerHTML",
            }
        )
        return context
