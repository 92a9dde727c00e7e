"""Names given in two languages, shown in the reader's (DESIGN §8).

{% load bilingual %}{{ programme|localized }}   → its `display_name`
{{ params.programme|localized }}               → a stored {"en": …, "zh": …} pair
"""

from __future__ import annotations

from typing import Any

from django import template

from core.bilingual import localized_value

register = template.Library()


@register.filter
def localized(value: Any) -> Any:
    display = getattr(value, "display_name", None)
    if isinstance(display, str):
        return display
    return localized_value(value)
