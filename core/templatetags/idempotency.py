"""`{% idempotency_key_field %}`: the hidden key of a create form (core/idempotency.py)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from core.idempotency import FORM_FIELD, key_is_valid, new_key

register = template.Library()


@register.simple_tag(takes_context=True)
def idempotency_key_field(context) -> str:
    """A new key each time the form is shown; the posted one when it comes back with errors."""
    request = context.get("request")
    posted = request.POST.get(FORM_FIELD, "") if request is not None else ""
    key = posted if key_is_valid(posted) else new_key()
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, key)
