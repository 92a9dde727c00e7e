"""The rebate programme list (DESIGN §8.1): base selector, FilterSet and columns, one definition
for the page, the API and the export."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import ProgrammeFilterSet
from .selectors import programme_list_base_for

PROGRAMME_LIST = list_register(
    ListDefinition(
        key="rebate-programmes",
        url_name="rebates:programme_list",
        base=programme_list_base_for,
        filterset=ProgrammeFilterSet,
        columns=(
            Column("name", _("Name"), sort="name"),
            Column("rule", _("Rule"), sort="rule"),
            Column("source", _("Revenue from"), sort="source"),
            Column("brackets", _("Brackets")),
            Column("cap", _("Cap per contract"), sort="cap", num=True),
            Column("status", _("Status")),
            Column("created", _("Created"), sort="created", default=False),
        ),
    )
)
