"""A choice field's label on list pages, looked up once per language.

{% load choices %}{{ deal|choice:"status" }}  → what `deal.get_status_display` shows

Django's `get_<field>_display()` hashes every lazy label of the field's choices on each call
(about 2,400 translations per page of 50 deals with their region and state); a list shows it for
every row, so the labels are kept per model, field and language (`core.exports.export_choice`).
"""

from __future__ import annotations

from django import template

from core.exports import export_choice

register = template.Library()


@register.filter
def choice(obj, field_name: str) -> str:
    return export_choice(obj, field_name)
