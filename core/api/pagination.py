from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from ..lists import capped_count


class CappedPaginator(Paginator):
    """Counts no further than `core.lists.COUNT_CAP` + 1 rows: a million-row list is never
    counted (DESIGN §10). `count` is then the cap + 1 and the pages past the cap are not served;
    narrowing the filters reaches them."""

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)


class StandardPagination(PageNumberPagination):
    django_paginator_class = CappedPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
