"""Deal registrations and leads in the global search (DESIGN §8.1): customer names compare by
the fingerprint of §4.2, tax IDs exactly; partner users' reads are logged like a list's (§9)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.search import SearchHit, SearchRequest, search_provider

from .customer_data import customer_data_read
from .models import Deal, Lead
from .selectors import deal_search_for, lead_search_for


def _logged(request: SearchRequest, model: type[Deal] | type[Lead], records: list) -> list:
    customer_data_read(
        user=request.user,
        model=model,
        ids=[record.pk for record in records],
        view="list",
        door=request.door,
        filters={"q": request.text},
    )
    return records


@search_provider("deals", _("Deal registrations"), order=20)
def deals_search(request: SearchRequest) -> list[SearchHit]:
    deals = _logged(
        request, Deal, deal_search_for(user=request.user, text=request.text, limit=request.limit)
    )
    return [
        SearchHit(
            title=deal.customer_name,
            subtitle=" · ".join(
                part
                for part in (deal.project_name, deal.get_status_display(), deal.partner.legal_name)
                if part
            ),
            url=reverse("deals:detail", args=[deal.pk]),
            score=float(deal.rank),
        )
        for deal in deals
    ]


@search_provider("leads", _("Leads"), order=30)
def leads_search(request: SearchRequest) -> list[SearchHit]:
    leads = _logged(
        request, Lead, lead_search_for(user=request.user, text=request.text, limit=request.limit)
    )
    # Partner users have no lead page: their company's offers are listed together.
    partner_url = reverse("deals:lead_list") + "?show=all"
    return [
        SearchHit(
            title=lead.customer_name,
            subtitle=" · ".join((lead.project_name, lead.get_status_display())),
            url=partner_url
            if request.user.is_partner_user
            else reverse("deals:lead_detail", args=[lead.pk]),
            score=float(lead.rank),
        )
        for lead in leads
    ]
