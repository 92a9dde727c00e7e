"""Filter building blocks shared by every list: one FilterSet serves the HTML list and the API.

A list's FilterSet (`<app>/filtersets.py`) is made of these filters; its `sort` field
(`SortFilter`) is the list's sortable columns, so the page and the API sort alike too.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .fast_widgets import use_fast_widgets


def codes_matching(choices: Iterable[tuple[str, object]], typed: str) -> list[str]:
    """The codes of `choices` that `typed` names: the code itself in any case, or (part of) its
    label in any of the portal's languages ("cn-sh", "Shanghai", "上海" all name CN-SH)."""
    typed = typed.strip().casefold()
    if not typed:
        return []
    choices = list(choices)
    exact = [code for code, _label in choices if code.casefold() == typed]
    if exact:
        return exact
    found: list[str] = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found += [code for code, label in choices if typed in str(label).casefold()]
    return sorted(set(found))


class CodeOrNameFilter(django_filters.CharFilter):
    """A code field filtered by code or by name in either language (region, country...);
    `lookup_expr="overlap"` for an array of codes (a partner's territory)."""

    def __init__(self, *args, choices: Iterable[tuple[str, object]], **kwargs):
        self.code_choices = list(choices)
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        codes = codes_matching(self.code_choices, value)
        if not codes:
            return qs.none()
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": codes})


class MultiChoiceFilter(django_filters.MultipleChoiceFilter):
    """Several states at once (`?status=submitted&status=in_conflict`), shown as checkboxes.

    No DISTINCT unless asked: a state is a column of the row (or of a forward relation), so the
    OR of equalities never repeats a row, and SELECT DISTINCT over every column made PostgreSQL
    sort a million deals before the page (297 ms for the staff API's `?status=`, DESIGN §10).
    A filter across a to-many relation passes `distinct=True`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class DateRangeFilter(django_filters.DateFromToRangeFilter):
    """`<name>_after` / `<name>_before` (inclusive days); a datetime field compares its date."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
        )
        super().__init__(*args, **kwargs)


class AmountRangeFilter(django_filters.RangeFilter):
    """`<name>_min` / `<name>_max` on a decimal amount."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", django_filters.widgets.RangeWidget(attrs={"type": "number", "step": "any"})
        )
        super().__init__(*args, **kwargs)


class YesNoWidget(django_filters.widgets.BooleanWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("any")), ("true", _("yes")), ("false", _("no"))]


class YesNoFilter(django_filters.BooleanFilter):
    """`?flag=true` / `false`; left empty, no filter ("any")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", YesNoWidget)
        super().__init__(*args, **kwargs)


def text_search(fields: Iterable[str], *, exact: Iterable[str] = ()):
    """A `q` method: any of `fields` contains the text, or any of `exact` equals it (tax IDs,
    numbers: matched whole, so an index answers)."""
    fields, exact = list(fields), list(exact)

    def method(qs: QuerySet, _name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": value})
        for field in exact:
            condition |= Q(**{field: value.upper()}) | Q(**{field: value})
        return qs.filter(condition)

    return method


class SortFilter(django_filters.OrderingFilter):
    """The list's sortable columns as `?sort=key` / `?sort=-key`, with a default order and the
    primary key as the last tie-breaker, so pages never overlap and keyset paging is possible."""

    def __init__(self, *args, default: str, **kwargs):
        self.default = default
        kwargs.setdefault("label", _("sort"))
        super().__init__(*args, **kwargs)

    def order_fields(self, value: list[str] | None) -> list[str]:
        """The ORM order for the chosen sort keys, ending in the primary key."""
        keys = [k for k in (value or []) if k] or [self.default]
        fields = [self.get_ordering_value(key) for key in keys]
        direction = "-" if fields[-1].startswith("-") else ""
        return [*fields, f"{direction}pk"]

    def filter(self, qs: QuerySet, value) -> QuerySet:
        return qs.order_by(*self.order_fields(value))


class ListFilterSet(django_filters.FilterSet):
    """Base of every list's FilterSet: its `sort` field must be a `SortFilter`. `user` is the
    reader (from the API's request, or given by the page or an export job)."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    @property
    def form(self):
        """The filter form, its selects and checkboxes written out in Python (a page renders it
        on every request: `core.fast_widgets`)."""
        if not hasattr(self, "_form"):
            use_fast_widgets(super().form)
        return self._form

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if "sort" not in self.form.cleaned_data:  # an unknown sort key: the default order
            queryset = self.filters["sort"].filter(queryset, None)
        return queryset

    def sort_keys(self) -> list[str]:
        """The sort keys in force (the default when none or an unknown one is asked)."""
        sort = self.filters["sort"]
        value = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else None
        return [k for k in (value or []) if k] or [sort.default]
