"""The one mechanism that decides which rows a user may see or change.

Every model a user can reach declares `scope_partner_path`: the ORM path from the model to the
`partners.Partner` that owns it ("" for Partner itself, None for vendor-only data). Scoping then
works by company id, never by one permission row per object, so lists stay fast on a million rows:

- partner users see their own company's rows, and a distributor also sees its dealers' rows
  read-only (DESIGN §1); they change only their own company's rows;
- vendor staff see every partner's rows; a channel manager *manages* (approves, edits) only the
  partners they own or were granted individually through django-guardian (`manage_partner`);
  administrators and directors manage all;
- vendor-only data (path None) is invisible to partner users.

Use it through `Model.objects.visible_to(user)` / `.manageable_by(user)` (managers built from
`ScopedQuerySet`), or `scope_queryset(qs, user)` for any queryset, in views, forms, API
viewsets and downloads alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.db import models
from django.db.models import Q
from django.http import Http404

from .choices import Role

if TYPE_CHECKING:
    from .models import User

Action = Literal["view", "manage"]
MANAGE_PARTNER_PERMISSION = "manage_partner"
ALL_PARTNER_MANAGERS = frozenset({Role.ADMIN, Role.CHANNEL_DIRECTOR})


def _partner_in(path: str) -> str:
    return f"{path}__in" if path else "pk__in"


def _partner_is(path: str) -> str:
    return f"{path}_id" if path else "pk"


def _partner_field(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def partner_ids_visible_to(user: User):
    """Subquery of partner ids a partner user may read: its company and, for a distributor, its dealers."""
    from partners.models import Partner

    return Partner.objects.filter(Q(pk=user.partner_id) | Q(parent_id=user.partner_id)).values("pk")


def partner_ids_granted_to(user: User):
    """Subquery of partner ids individually granted to a staff user through django-guardian."""
    from partners.models import PartnerUserObjectPermission

    return PartnerUserObjectPermission.objects.filter(
        user=user, permission__codename=MANAGE_PARTNER_PERMISSION
    ).values("content_object_id")


def scope_filter(model: type[models.Model], user: User, action: Action = "view") -> Q | None:
    """The Q that limits `model` to what `user` may see (action="view") or change ("manage").

    Returns None when no restriction applies, and `Q(pk__in=[])` when nothing is allowed.
    """
    nothing = Q(pk__in=[])
    if user is None or not user.is_authenticated or not user.is_active:
        return nothing
    path = getattr(model, "scope_partner_path", None)

    if user.is_partner_user:
        if path is None:
            return nothing
        if action == "view":
            return Q(**{_partner_in(path): partner_ids_visible_to(user)})
        return Q(**{_partner_is(path): user.partner_id})

    if action == "view" or path is None or user.is_superuser or user.role in ALL_PARTNER_MANAGERS:
        return None
    if user.role == Role.CHANNEL_MANAGER:
        return Q(**{_partner_field(path, "channel_manager"): user}) | Q(
            **{_partner_in(path): partner_ids_granted_to(user)}
        )
    # Finance, CFO and legal act on their own objects (statements, reviews), not on partners.
    return nothing


def scope_queryset(
    queryset: models.QuerySet, user: User, action: Action = "view"
) -> models.QuerySet:
    condition = scope_filter(queryset.model, user, action)
    return queryset if condition is None else queryset.filter(condition)


def get_scoped_or_404(queryset: models.QuerySet, user: User, action: Action = "view", **lookup):
    """Fetch one object the user may reach; anything else is indistinguishable from absent."""
    try:
        return scope_queryset(queryset, user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ScopedQuerySet:
        return scope_queryset(self, user, "view")

    def manageable_by(self, user: User) -> ScopedQuerySet:
        return scope_queryset(self, user, "manage")


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def can_manage_partner(user: User, partner) -> bool:
    from partners.models import Partner

    return Partner.objects.manageable_by(user).filter(pk=partner.pk).exists()
