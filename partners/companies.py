"""The partner companies as the infrastructure's scoping sees them.

`accounts.scoping` knows no domain app; `PartnersConfig.ready()` registers `COMPANIES` into it, so
the dependency runs from partners down to accounts only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.scoping import MANAGE_PARTNER_PERMISSION, Companies

from .choices import PartnerStatus
from .models import Partner, PartnerUserObjectPermission


def company_ids_visible(company_id: int, with_dealers: bool) -> QuerySet:
    """Subquery of the company itself and, when `with_dealers`, the dealers it distributes to."""
    condition = Q(pk=company_id)
    if with_dealers:
        condition |= Q(parent_id=company_id)
    return Partner.objects.unrestricted("the scoping rule itself").filter(condition).values("pk")


def company_ids_granted_to(user) -> QuerySet:
    """Subquery of the companies individually granted to a staff user through django-guardian."""
    return PartnerUserObjectPermission.objects.filter(
        user=user, permission__codename=MANAGE_PARTNER_PERMISSION
    ).values("content_object_id")


def company_active(company_id: int) -> bool:
    """Whether the company is active: read fresh, so a freeze bites on the very next request."""
    status = Partner.objects.filter(pk=company_id).values_list("status", flat=True).first()
    return status == PartnerStatus.ACTIVE


COMPANIES = Companies(
    visible_ids=company_ids_visible,
    granted_ids=company_ids_granted_to,
    is_active=company_active,
)
