"""Region codes as people read them: `{% load regions %}{{ codes|region_names }}` for a list of
codes, `{{ code|region_names }}` for one ("CN-SH" → "Shanghai" / "上海")."""

from __future__ import annotations

from django import template

from partners.regions import region_names as _region_names

register = template.Library()


@register.filter
def region_names(codes) -> str:
    if isinstance(codes, str):
        codes = [codes] if codes else []
    return _region_names(codes)
