"""Page-number pagination of every API list, without counting a million rows (DESIGN §10).

The response keeps DRF's shape — `count`, `next`, `previous`, `results` — and adds
`count_exact`. A page is read with one row more than it shows, so `next` needs no count; `count`
is counted over at most `COUNT_CAP` + 1 rows: below the cap it is exact, above it `count` is the
cap (or the rows up to the end of this page, when that is more) and `count_exact` is false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

COUNT_CAP = 10_000
MAX_OFFSET = 10**12


@dataclass
class CappedPage:
    """What the views read of a page: its number and rows (like Django's Page, without a count)."""

    number: int
    object_list: list
    has_next: bool
    count: int
    count_exact: bool

    def has_previous(self) -> bool:
        return self.number > 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def capped_count(queryset: Any, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): counts at most `cap` + 1 rows, so a million-row list costs what 10,000 do."""
    if not isinstance(queryset, models.QuerySet):
        return len(queryset), True
    # Ordering and prefetching do not change a count; the LIMIT keeps the scan short.
    n = queryset.order_by()[: cap + 1].count()
    return (n, True) if n <= cap else (cap, False)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    count_cap = COUNT_CAP

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        raw = request.query_params.get(self.page_query_param) or 1
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = 0
        if number < 1 or (raw in self.last_page_strings):
            raise NotFound(self.invalid_page_message)
        offset = (number - 1) * page_size
        if offset > MAX_OFFSET:
            # Past any list's end (and past what PostgreSQL's OFFSET takes): no such page.
            raise NotFound(self.invalid_page_message)
        stop = offset + page_size + 1
        if getattr(view, "deferred_rows", False) and isinstance(queryset, models.QuerySet):
            # The page's keys first (from an index alone, where one holds the scope and order),
            # then its rows by key: a distributor's 5,000 deals sorted as keys, not as rows.
            rows = list(queryset.filter(pk__in=queryset.values("pk")[offset:stop]))
        else:
            rows = list(queryset[offset:stop])
        has_next = len(rows) > page_size
        rows = rows[:page_size]
        if number > 1 and not rows:
            raise NotFound(self.invalid_page_message)
        if not has_next:
            # The last page: the count is known without counting.
            count, exact = offset + len(rows), True
        else:
            count, exact = capped_count(queryset, self.count_cap)
            if not exact:
                # Past the cap the count is a lower bound: at least the rows to this page's end.
                count = max(count, offset + len(rows) + 1)
        self.page = CappedPage(
            number=number, object_list=rows, has_next=has_next, count=count, count_exact=exact
        )
        self.request = request
        return rows

    def get_next_link(self):
        if not self.page.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page.number + 1)

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        url = self.request.build_absolute_uri()
        if self.page.number - 1 == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page.number - 1)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.count,
                "count_exact": self.page.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"Rows matching, exact up to {COUNT_CAP:,}; beyond that a lower bound "
            "(see count_exact)."
        )
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_exact": {
                "type": "boolean",
                "description": f"False when more than {COUNT_CAP:,} rows match and `count` is "
                "a lower bound.",
                "example": True,
            },
            **{k: v for k, v in response["properties"].items() if k != "count"},
        }
        response["required"] = [*response.get("required", []), "count_exact"]
        return response

    def get_html_context(self):
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link()}
