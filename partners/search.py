"""Partners and people in the global search (DESIGN §8.1): partners by legal name or tax ID
(USCC), users by name or e-mail for vendor staff and for a partner admin within its company."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.scoping import sees_partner_details
from core.search import SearchHit, SearchRequest, search_provider

from .selectors import partner_search_for, user_search_for


@search_provider("partners", _("Partners"), order=10)
def partners_search(request: SearchRequest) -> list[SearchHit]:
    code = request.compact if request.looks_like_code else ""
    partners = partner_search_for(
        user=request.user, text=request.text, code=code, limit=request.limit
    )
    return [
        SearchHit(
            title=partner.legal_name,
            subtitle=" · ".join(
                part
                for part in (
                    partner.tax_id if sees_partner_details(request.user, partner.pk) else "",
                    str(partner.tier),
                    partner.get_status_display(),
                )
                if part
            ),
            url=reverse("partners:partner_detail", args=[partner.pk]),
            score=float(partner.rank),
        )
        for partner in partners
    ]


def _user_url(viewer, person) -> str:
    if viewer.is_partner_user:
        return reverse("partners:my_company")
    if person.partner_id:
        return reverse("partners:partner_detail", args=[person.partner_id])
    if viewer.is_admin:
        return reverse("admin:accounts_user_change", args=[person.pk])
    return f"mailto:{person.email}"


@search_provider("users", _("Users"), order=50)
def users_search(request: SearchRequest) -> list[SearchHit]:
    people = user_search_for(user=request.user, text=request.text, limit=request.limit)
    return [
        SearchHit(
            title=person.full_name or person.email,
            subtitle=" · ".join(
                part
                for part in (
                    person.email,
                    person.get_role_display(),
                    person.partner.legal_name if person.partner_id else "",
                )
                if part
            ),
            url=_user_url(request.user, person),
            score=float(person.rank),
        )
        for person in people
    ]
