"""Page guards that rest on the scoping rules; role checks live in `core.permissions`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .scoping import sees_company_finance


def company_finance_required(view: Callable) -> Callable:
    """Company finance pages (DESIGN §1): partner users whose role sees no finance get 403.

    The same rule (`accounts.scoping.sees_company_finance`) narrows the querysets, so a page
    that forgot this guard would still show nothing.
    """

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not sees_company_finance(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
