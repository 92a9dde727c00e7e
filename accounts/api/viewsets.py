"""Base API views: every queryset passes through the scoping mechanism before anything else."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from core.api.idempotency import idempotent_create

from ..scoping import scope_queryset


class ScopedQuerysetMixin:
    """`queryset` is the unscoped base; `get_queryset` narrows it to what the user may see."""

    scope_action = "view"

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user, self.scope_action)


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Create, read and update; nothing in the portal is hard-deleted through the API. A create
    honours the `Idempotency-Key` header."""

    @idempotent_create
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)
