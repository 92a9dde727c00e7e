"""API permissions that rest on the scoping rules; role checks live in `core.api.views`."""

from __future__ import annotations

from rest_framework import permissions

from ..scoping import sees_company_finance


class SeesCompanyFinance(permissions.IsAuthenticated):
    """Company finance endpoints: partner users whose role sees no finance get 403 (DESIGN §1)."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and sees_company_finance(request.user)
