"""Per-request checks on the signed-in user."""

from __future__ import annotations

from django.contrib.auth import logout
from django.shortcuts import render
from django.utils import translation

from .scoping import companies


class ActiveCompanyMiddleware:
    """A frozen or terminated partner's users are signed out on their next request (DESIGN §2.7).

    API token requests are refused by `CompanyTokenAuthentication` the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_partner_user and not user_company_active(user):
            logout(request)
            return render(request, "accounts/company_suspended.html", status=403)
        return self.get_response(request)


def user_company_active(user) -> bool:
    # Always read the status fresh: a freeze must bite on the very next request.
    return companies().is_active(user.partner_id)


class UserLanguageMiddleware:
    """Signed-in users see the portal in the language they chose (stored on their profile)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
