"""The partner directory (DESIGN §8.1): base selector, FilterSet and columns, one definition for
the page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import PartnerFilterSet
from .selectors import partner_list_base_for

PARTNER_LIST = list_register(
    ListDefinition(
        key="partners",
        url_name="partners:partner_list",
        base=partner_list_base_for,
        filterset=PartnerFilterSet,
        columns=(
            Column("name", _("Name"), sort="name"),
            Column("type", _("Type"), sort="type"),
            Column("tier", _("Tier")),
            Column("class", _("Class")),
            Column("regions", _("Regions")),
            Column("parent", _("Parent")),
            Column("manager", _("Channel manager")),
            Column("status", _("Status"), sort="status"),
            Column("created", _("created"), sort="created", default=False),
        ),
    )
)
