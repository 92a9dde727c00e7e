from django import template

from ..richtext import render_rich_text

register = template.Library()


@register.filter
def rich_text(value: str):
    """Module text with headings, lists, emphasis, code and links; everything else escaped."""
    return render_rich_text(value)
