"""Lists staff live in (DESIGN §8.1, §10): one definition per list, shared by page, API and export.

A `ListDefinition` is a scoped base selector, a FilterSet (filters and sortable columns, the same
the API uses) and the columns a reader may choose. `ListDefinition.queryset_for(user=, params=)`
rebuilds the filtered, sorted rows without a request, so an export job in a worker gets exactly
what the page showed. The pager never counts more than `COUNT_CAP` + 1 rows (and trusts the
planner's estimate when it is far above that): pages up to the cap go by offset, deeper ones by
keyset (`?after=<cursor>`), which costs the same at any depth.

Apps define their lists in `<app>/lists.py` with `list_register`; core discovers them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse

from .filters import ListFilterSet

COUNT_CAP = 10_000
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
# Query parameters that move through the rows or choose columns; everything else is a filter.
NAVIGATION_PARAMS = frozenset({"page", "after", "size", "cols"})


@dataclass(frozen=True)
class Column:
    """A column a reader may show or hide; `sort` is its key in the FilterSet's `sort` filter."""

    key: str
    label: Any
    sort: str = ""
    default: bool = True
    num: bool = False
    staff_only: bool = False  # vendor staff only (e.g. which partner a row belongs to)


@dataclass(frozen=True)
class ListDefinition:
    key: str
    url_name: str
    base: Callable[..., QuerySet]  # base(user=) -> the rows the user may see, related rows joined
    filterset: type[ListFilterSet]
    columns: tuple[Column, ...]
    # Read the page's keys first (from an index alone), then its rows by key: for a big table
    # whose reader sees rows spread thinly along the list's order (a distributor's deals among a
    # million), PostgreSQL then sorts a few thousand index entries instead of walking the whole
    # order fetching every row. Not for grouped (aggregated) rows.
    deferred_rows: bool = False

    def filterset_for(self, *, user, params: Mapping | None) -> ListFilterSet:
        data = params if params is not None else QueryDict()
        return self.filterset(data=data, queryset=self.base(user=user), user=user)

    def queryset_for(self, *, user, params: Mapping | None) -> QuerySet:
        """The filtered, sorted rows for (user, query parameters): what the page lists."""
        return self.filterset_for(user=user, params=params).qs

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def columns_for(self, user) -> list[Column]:
        partner_user = getattr(user, "is_partner_user", False)
        return [c for c in self.columns if not (c.staff_only and partner_user)]


_lists: dict[str, ListDefinition] = {}


def list_register(definition: ListDefinition) -> ListDefinition:
    _lists[definition.key] = definition
    return definition


def list_definition(key: str) -> ListDefinition | None:
    return _lists.get(key)


# --- paging ---------------------------------------------------------------------------------
def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows match, counting no further than cap + 1 (a LIMIT inside the COUNT)."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def capped_counts(querysets: Mapping[str, QuerySet], cap: int = COUNT_CAP) -> dict[str, int]:
    """`capped_count` of each named queryset, in one statement: a scalar subquery per figure,
    each stopping at cap + 1 rows (a queue's tabs: one round trip, none counting past the cap)."""
    parts: list[str] = []
    params: list[Any] = []
    using = "default"
    for queryset in querysets.values():
        using = queryset.db
        limited = queryset.order_by().values("pk")[: cap + 1]
        try:
            if limited.query.is_empty():
                raise EmptyResultSet
            sql, sql_params = limited.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:
            parts.append("0")
            continue
        # The ORM's own compiled SQL, its parameters passed apart.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(sql_params)
    if not parts:
        return {}
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: int(n) for name, n in zip(querysets, row, strict=True)}


# A planner estimate this many times the cap is trusted without counting: counting even the first
# 10,001 of a common word's trigram matches reads thousands of heap pages (22 ms for "contoso"
# over 1,000,000 deals), and an estimate off by less than half still says "more than the cap".
ESTIMATE_TRUSTED_ABOVE = 2 * COUNT_CAP


def estimated_count(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows match (planned, not run: no row is read)."""
    if queryset.query.is_empty():
        return 0
    try:
        plan = queryset.order_by().values("pk").explain(format="json")
    except EmptyResultSet:
        return 0
    return int(json.loads(plan)[0]["Plan"]["Plan Rows"])


def list_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """`capped_count`, or cap + 1 straight away when the planner expects far more rows than the
    cap (the page then says "10,000+" as it would after counting)."""
    if estimated_count(queryset) > ESTIMATE_TRUSTED_ABOVE:
        return cap + 1
    return capped_count(queryset, cap)


def _field_for(model, path: str):
    if path == "pk":
        return model._meta.pk
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return model._meta.get_field(last)


def _keyset_fields(queryset: QuerySet) -> list[tuple[str, bool, Any]] | None:
    """(path, descending, model field) for the queryset's order, or None when a nullable or
    unknown column makes keyset paging unsafe."""
    fields = []
    for item in queryset.query.order_by:
        if not isinstance(item, str):
            return None
        path = item.lstrip("-")
        try:
            model_field = _field_for(queryset.model, path)
        except (FieldDoesNotExist, AttributeError):
            return None
        if model_field.null:
            return None
        fields.append((path, item.startswith("-"), model_field))
    return fields or None


def _value_of(obj, path: str):
    for hop in path.split("__"):
        obj = getattr(obj, hop)
    return obj


def keyset_cursor(obj, fields) -> str:
    values = [_value_of(obj, path) for path, _desc, _f in fields]
    raw = json.dumps(values, cls=DjangoJSONEncoder).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _keyset_after(cursor: str, fields) -> Q | None:
    """Rows that come after the cursor's row in the queryset's order, or None for a bad cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        values = [f.to_python(v) for (_p, _d, f), v in zip(fields, values, strict=True)]
    except (ValueError, TypeError, ValidationError, binascii.Error):
        return None
    condition = Q(pk__in=[])
    equal = Q()
    for (path, desc, _f), value in zip(fields, values, strict=True):
        condition |= equal & Q(**{f"{path}__{'lt' if desc else 'gt'}": value})
        equal &= Q(**{path: value})
    return condition


@dataclass
class ListPage:
    """One page of a list: its rows, where it is, and the query strings of its neighbours."""

    object_list: list
    number: int | None  # None on a keyset page past the counted ones
    size: int
    count: int  # capped at COUNT_CAP
    capped: bool
    next_query: str = ""
    previous_query: str = ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.size))

    @property
    def has_next(self) -> bool:
        return bool(self.next_query)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_query)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def page_size_from(params: Mapping) -> int:
    raw = params.get("size", "")
    return int(raw) if raw in {str(s) for s in PAGE_SIZES} else DEFAULT_PAGE_SIZE


def _with(params: QueryDict, **changes) -> str:
    query = params.copy()
    for name in ("page", "after"):
        query.pop(name, None)
    for name, value in changes.items():
        if value not in (None, ""):
            query[name] = str(value)
    return query.urlencode()


def _rows(queryset: QuerySet, start: int, stop: int, *, deferred: bool) -> list:
    """Rows start..stop of the queryset; `deferred`: their keys first, then the rows by key."""
    if deferred:
        return list(queryset.filter(pk__in=queryset.values("pk")[start:stop]))
    return list(queryset[start:stop])


def paginate_list(queryset: QuerySet, params: QueryDict, *, deferred: bool = False) -> ListPage:
    """The page `params` asks for: `?page=n` up to the capped count, `?after=cursor` beyond it."""
    size = page_size_from(params)
    fields = _keyset_fields(queryset)
    cursor = params.get("after", "")
    if cursor and fields and (after := _keyset_after(cursor, fields)) is not None:
        rows = _rows(queryset.filter(after), 0, size + 1, deferred=deferred)
        more = len(rows) > size
        rows = rows[:size]
        return ListPage(
            object_list=rows,
            number=None,
            size=size,
            count=COUNT_CAP,
            capped=True,
            next_query=_with(params, after=keyset_cursor(rows[-1], fields)) if more else "",
            previous_query=_with(params),
        )
    last_counted = math.ceil(COUNT_CAP / size)
    raw_page = params.get("page", "")
    number = int(raw_page) if raw_page.isascii() and raw_page.isdigit() else 1
    number = min(max(number, 1), last_counted)
    offset = (number - 1) * size
    rows = _rows(queryset, offset, offset + size + 1, deferred=deferred)
    if not rows and number > 1:  # past the end: the last page
        count = capped_count(queryset)  # counted: the last page must hold rows
        number = max(1, math.ceil(min(count, COUNT_CAP) / size))
        offset = (number - 1) * size
        rows = _rows(queryset, offset, offset + size + 1, deferred=deferred)
    more, rows = len(rows) > size, rows[:size]
    # Counted only when the rows go on past this page, and never beyond the cap (nor at all when
    # the planner expects far more than the cap).
    count = list_count(queryset) if more else offset + len(rows)
    next_query = ""
    if more:
        if number < last_counted:
            next_query = _with(params, page=number + 1)
        elif fields:
            next_query = _with(params, after=keyset_cursor(rows[-1], fields))
    return ListPage(
        object_list=rows,
        number=number,
        size=size,
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
        next_query=next_query,
        previous_query=_with(params, page=number - 1) if number > 1 else "",
    )


# --- what the page template needs -----------------------------------------------------------
@dataclass
class HeaderColumn:
    key: str
    label: Any
    num: bool
    sort_query: str = ""  # the query string that sorts by this column (toggled), "" if unsortable
    aria_sort: str = ""  # "ascending" / "descending" when the list is sorted by it


@dataclass
class Listing:
    """Everything a list page and its header include render: the FilterSet's form, the page,
    the chosen columns with their sort links, the page sizes and the reader's saved views."""

    definition: ListDefinition
    filterset: ListFilterSet
    page: ListPage
    columns: list[HeaderColumn]
    shows: dict[str, bool]
    query: str  # the filters, sort, size and columns in force (no page)
    page_sizes: tuple[int, ...] = PAGE_SIZES
    saved_views: list = field(default_factory=list)

    available: list[Column] = field(default_factory=list)

    @property
    def all_columns(self) -> list[tuple[Column, bool]]:
        return [(c, self.shows.get(c.key, False)) for c in self.available]

    @property
    def key(self) -> str:
        return self.definition.key


def chosen_columns(available: list[Column], params: QueryDict) -> list[Column]:
    asked = set(params.getlist("cols"))
    chosen = [c for c in available if c.key in asked]
    return chosen or [c for c in available if c.default]


def listing_for(
    definition: ListDefinition, *, user, params: QueryDict, saved_views: list | None = None
) -> Listing:
    """Filter, sort and page the list for the user; invalid filters show their field errors."""
    filterset = definition.filterset_for(user=user, params=params)
    page = paginate_list(filterset.qs, params, deferred=definition.deferred_rows)
    sort_keys = filterset.sort_keys()
    current = sort_keys[0] if sort_keys else ""
    available = definition.columns_for(user)
    columns = []
    for column in chosen_columns(available, params):
        header = HeaderColumn(key=column.key, label=column.label, num=column.num)
        if column.sort:
            ascending = current == column.sort
            descending = current == f"-{column.sort}"
            if ascending or descending:
                header.aria_sort = "ascending" if ascending else "descending"
            header.sort_query = _with(params, sort=f"-{column.sort}" if ascending else column.sort)
        columns.append(header)
    return Listing(
        definition=definition,
        filterset=filterset,
        page=page,
        columns=columns,
        shows={c.key: True for c in columns},
        query=_with(params),
        saved_views=saved_views or [],
        available=available,
    )
