"""Request guards that hold for every route, page and API alike."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .views import error_404, is_api_request

NUL = "\x00"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NulCookieMiddleware:
    """Cookies carrying a NUL character were never set by the portal: they are dropped before the
    session and CSRF machinery look them up, so such a request is simply not signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, value in list(request.COOKIES.items()):
            if NUL in name or NUL in value:
                del request.COOKIES[name]
        return self.get_response(request)


class NulCharacterGuardMiddleware:
    """A NUL character in the path is a 404; in the query string or a form field a 400 that
    names the parameter. PostgreSQL text cannot hold NUL, so such input would otherwise fail deep
    in a query; here no view and no database sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            return error_404(request, Http404())
        fields = _fields_with_nul(request)
        if fields:
            message = _("Null characters are not allowed.")
            if is_api_request(request):
                return JsonResponse({field: [message] for field in fields}, status=400)
            return render(request, "400.html", {"fields": fields, "message": message}, status=400)
        return self.get_response(request)


def _fields_with_nul(request: HttpRequest) -> list[str]:
    params = [request.GET]
    # Django parses form bodies of POST only; other methods and JSON bodies reach serializers,
    # whose character fields refuse NUL themselves.
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        params.append(request.POST)
    fields = []
    for query in params:
        for name, values in query.lists():
            if NUL in name or any(NUL in value for value in values):
                fields.append(name.replace(NUL, "") or "non_field_errors")
    return fields
