"""The API's routers: a record's id in a URL is an integer (Django's `int` path converter, ASCII
digits only), so any other value (letters, superscripts, NUL) is a 404 from the URL resolver for
every operation, before any view, serializer or query sees it. The schema documents it as an
integer."""

from rest_framework import routers


class IntegerIdMixin:
    # No `.json` suffix routes: the API speaks JSON only, and custom actions do not take `format`.
    include_format_suffixes = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("use_regex_path", False)
        super().__init__(*args, **kwargs)

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(
            viewset, "lookup_field", "pk"
        )
        converter = getattr(viewset, "lookup_value_converter", "int")
        return f"<{converter}:{lookup_prefix}{lookup_url_kwarg}>"


class SimpleRouter(IntegerIdMixin, routers.SimpleRouter):
    pass


class DefaultRouter(IntegerIdMixin, routers.DefaultRouter):
    pass
