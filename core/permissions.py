"""View guards shared by every app: role checks that answer 404 to the wrong people."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.scoping import sees_company_finance


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


class RoleRequiredMixin:
    """Class-based twin of `role_required`."""

    allowed_roles: Iterable[str] = ()

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not (user.is_admin or user.role in frozenset(self.allowed_roles)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


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
