"""Choice widgets of list filter forms written out in Python (DESIGN §10).

Django renders a select or a group of checkboxes through one template per option: the partner
directory's filter form (a select of every channel manager, checkboxes of tiers, types and
states) took 14 ms of a 33 ms page on its own. The same markup, attributes and escaping are built
here from the widget's own context (`optgroups`), so a filter form costs a fraction of that.
`ListFilterSet.form` swaps its choice widgets for these; other forms keep Django's.
"""

from __future__ import annotations

from functools import cache

from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import ChoiceWidget
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> SafeString:
    # As Django's attrs.html: True → the bare name, False and None → left out.
    return flatatt({k: v for k, v in attrs.items() if v is not False and v is not None})


class FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            for option in options:
                parts.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        option["value"],
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - built from escaped text


class FastInputsMixin:
    """Checkboxes or radio buttons, each in its label, in a `<div id=…>` as Django writes them."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        outer = {"id": widget["attrs"].get("id"), "class": widget["attrs"].get("class")}
        parts = [format_html("<div{}>", _attrs(outer))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html("<div><label>{}</label>", group))
            for option in options:
                option_id = option["attrs"].get("id")
                parts.append(
                    format_html(
                        '<div><label{}><input type="{}" name="{}" value="{}"{}> {}</label></div>',
                        format_html(' for="{}"', option_id) if option_id else "",
                        option["type"],
                        option["name"],
                        option["value"],
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group:
                parts.append("</div>")
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308 - built from escaped text


@cache
def fast_widget_class(widget_class: type) -> type | None:
    """The Python-rendered twin of a choice widget class, or None for any other widget."""
    if not issubclass(widget_class, ChoiceWidget):
        return None
    if issubclass(widget_class, forms.Select):
        mixin = FastSelectMixin
    elif issubclass(widget_class, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        mixin = FastInputsMixin
    else:
        return None
    return type(f"Fast{widget_class.__name__}", (mixin, widget_class), {})


def use_fast_widgets(form: forms.BaseForm) -> forms.BaseForm:
    """Swap the form's choice widgets (its own copies) for their Python-rendered twins."""
    for field in form.fields.values():
        fast = fast_widget_class(type(field.widget))
        if fast is not None:
            field.widget.__class__ = fast
    return form
