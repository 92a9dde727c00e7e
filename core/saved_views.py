"""Saved views of lists (DESIGN §8.1): a reader saves the filters, sort and columns in force under
a name, applies them later from the list's header, and deletes them. Each reader sees only their
own."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from .lists import NAVIGATION_PARAMS, list_definition
from .models import SavedView

MAX_SAVED_VIEWS = 50


def saved_views_for(*, user, list_key: str = "") -> QuerySet[SavedView]:
    """The user's own saved views (of one list when `list_key` is given)."""
    views = SavedView.objects.filter(user=user)
    if list_key:
        views = views.filter(list_key=list_key)
    return views.order_by("name", "pk")


def _clean_query(query: str) -> tuple[str, list[str]]:
    """The filters and sort of a query string (no paging), and the columns it chose."""
    params = QueryDict(query, mutable=True)
    columns = params.getlist("cols")
    for name in NAVIGATION_PARAMS - {"size"}:
        params.pop(name, None)
    return params.urlencode(), columns


@transaction.atomic
def saved_view_save(*, user, list_key: str, name: str, query: str) -> SavedView:
    """Save (or overwrite, by name) the user's view of a list."""
    definition = list_definition(list_key)
    if definition is None:
        raise ValidationError({"list_key": _("Unknown list.")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(name) > 80:
        raise ValidationError({"name": _("A view's name has at most 80 characters.")})
    if len(query) > 2000:
        raise ValidationError({"query": _("Too many filters to save.")})
    filters, asked = _clean_query(query)
    known = {c.key for c in definition.columns}
    columns = [c for c in asked if c in known]
    existing = saved_views_for(user=user, list_key=list_key)
    if existing.count() >= MAX_SAVED_VIEWS and not existing.filter(name=name).exists():
        raise ValidationError({"name": _("Delete a saved view before saving another.")})
    view, _created = SavedView.objects.update_or_create(
        user=user,
        list_key=list_key,
        name=name,
        defaults={"query": filters, "columns": columns},
    )
    return view


@transaction.atomic
def saved_view_delete(*, user, pk: int) -> bool:
    """Delete one of the user's own saved views; another user's is left alone (False)."""
    deleted, _rows = SavedView.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)


def saved_view_url(view: SavedView) -> str:
    """The list's address with the view's filters and columns."""
    definition = list_definition(view.list_key)
    params = QueryDict(view.query, mutable=True)
    if view.columns:
        params.setlist("cols", view.columns)
    base = definition.url if definition else ""
    return f"{base}?{params.urlencode()}"
