"""View guards shared by every app: role checks that answer 403 to the wrong role.

An object outside the user's scope is a different matter: `accounts.scoping.get_scoped_or_404`
answers 404 so that it does not reveal the object exists, and the company finance guard, which
rests on scoping, is `accounts.permissions.company_finance_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*roles: str) -> Callable:
    """Allow only users holding one of `roles` (administrators always); others get 403."""

    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not (user.is_admin or user.role in allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
