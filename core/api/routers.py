"""The API's routers: a record's id in a URL is ASCII digits, so any other value (letters,
superscripts, NUL) is a 404 from the URL resolver for every operation, before any view,
serializer or query sees it."""

from rest_framework import routers

from ..params import ID_PATTERN


class IdLookupMixin:
    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(
            viewset, "lookup_field", "pk"
        )
        value = getattr(viewset, "lookup_value_regex", ID_PATTERN)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{value})"


class SimpleRouter(IdLookupMixin, routers.SimpleRouter):
    pass


class DefaultRouter(IdLookupMixin, routers.DefaultRouter):
    pass
