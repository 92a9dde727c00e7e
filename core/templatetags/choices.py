"""A choice field's label on list pages, looked up once per language.

{% load choices %}{{ deal|choice:"status" }}  → what `deal.get_status_display` shows

Django's `get_<field>_display()` hashes every lazy label of the field's choices on each call
(about 2,400 translations per page of 50 deals with their region and state); a list shows it for
every row, so the labels are kept per model, field and language (`core.exports.export_choice`).
A field without choices falls back to the model's own `get_<field>_display()`.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.core.exceptions import FieldDoesNotExist

from core.exports import export_choice

register = template.Library()


@cache
def _has_choices(model: type, field_name: str) -> bool:
    try:
        return bool(model._meta.get_field(field_name).choices)
    except FieldDoesNotExist:
        return False


@register.filter
def choice(obj, field_name: str) -> str:
    if obj is None or obj == "":
        return ""
    if _has_choices(type(obj), field_name):
        return export_choice(obj, field_name)
    return getattr(obj, f"get_{field_name}_display")()
