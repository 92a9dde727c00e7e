"""The deal and lead lists (DESIGN §8.1): base selector, FilterSet and columns, one definition
for the page, the API and exports (`DEAL_LIST.queryset_for(user=, params=)`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import (
    DealFilterSet,
    DealQueueFilterSet,
    LeadFilterSet,
    LeadOfferFilterSet,
    PriceListFilterSet,
)
from .selectors import (
    deal_list_base_for,
    deal_queue_for,
    lead_list_base_for,
    lead_offer_list_base_for,
    price_list_products_for,
)

DEAL_LIST = list_register(
    ListDefinition(
        key="deals",
        url_name="deals:list",
        base=deal_list_base_for,
        filterset=DealFilterSet,
        deferred_rows=True,
        columns=(
            Column("project", _("Project"), sort="project"),
            Column("customer", _("Customer"), sort="customer"),
            Column("partner", _("Partner"), sort="partner", staff_only=True),
            Column("region", _("Region"), sort="region"),
            Column("status", _("Status"), sort="status"),
            Column("lines", _("Lines"), num=True),
            Column("protection", _("Protection ends")),
            Column("expected_close", _("Expected close"), sort="expected_close", default=False),
            Column("created", _("Created"), sort="created", default=False),
        ),
    )
)

LEAD_LIST = list_register(
    ListDefinition(
        key="leads",
        url_name="deals:lead_list",
        base=lead_list_base_for,
        filterset=LeadFilterSet,
        columns=(
            Column("project", _("Project"), sort="project"),
            Column("customer", _("Customer"), sort="customer"),
            Column("region", _("Region"), sort="region"),
            Column("industry", _("Industry")),
            Column("value", _("Estimated value"), sort="value", num=True),
            Column("status", _("Status"), sort="status"),
            Column("offers", _("Offers"), num=True),
            Column("accepted_by", _("Accepted by")),
            Column("published", _("Published on"), sort="published"),
        ),
    )
)

# The partner's side of the lead page (same URL): the offers made to its company.
LEAD_OFFER_LIST = list_register(
    ListDefinition(
        key="lead-offers",
        url_name="deals:lead_list",
        base=lead_offer_list_base_for,
        filterset=LeadOfferFilterSet,
        columns=(
            Column("project", _("Project"), sort="project"),
            Column("customer", _("Customer"), sort="customer"),
            Column("region", _("Region"), sort="region"),
            Column("industry", _("Industry")),
            Column("value", _("Estimated value"), sort="value", num=True),
            Column("offer", _("Offer")),
            Column("offered", _("Offered"), sort="offered", default=False),
            Column("answer", _("Answer"), sort="status"),
        ),
    )
)

DEAL_QUEUE_LIST = list_register(
    ListDefinition(
        key="deal-queue",
        url_name="deals:queue",
        base=deal_queue_for,
        filterset=DealQueueFilterSet,
        columns=(
            Column("project", _("Project"), sort="project"),
            Column("customer", _("Customer"), sort="customer"),
            Column("partner", _("Partner"), sort="partner"),
            Column("submitted", _("Submitted"), sort="submitted"),
            Column("sla_due", _("SLA due"), sort="sla_due"),
            Column("age", _("Age")),
            Column("flags", _("Flags")),
        ),
    )
)

PRICE_LIST_LIST = list_register(
    ListDefinition(
        key="price-lists",
        url_name="deals:price_list_index",
        base=price_list_products_for,
        filterset=PriceListFilterSet,
        columns=(
            Column("sku", _("SKU"), sort="sku"),
            Column("name", _("Product"), sort="name"),
            Column("family", _("Family"), sort="family"),
            Column("guide", _("Guide price"), sort="guide", num=True),
            Column("floor", _("Floor price"), sort="floor", num=True),
            Column("active", _("Active"), default=False),
        ),
    )
)


def lead_offer_params(params: Mapping[str, Any]) -> QueryDict:
    """The partner lead page's query with its default filled in: open offers unless all are
    asked (the page, its export and its saved views agree on what no `show` means)."""
    query = QueryDict(mutable=True)
    if hasattr(params, "lists"):
        for name, values in params.lists():
            query.setlist(name, values)
    else:
        for name, value in params.items():
            query[name] = value
    if not query.get("show"):
        query["show"] = "open"
    return query
