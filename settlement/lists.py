"""The statement list (DESIGN §8.1): base selector, FilterSet and columns, one definition for the
page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import StatementFilterSet
from .selectors import statement_list_base_for

STATEMENT_LIST = list_register(
    ListDefinition(
        key="statements",
        url_name="settlement:statement_list",
        base=statement_list_base_for,
        filterset=StatementFilterSet,
        columns=(
            Column("number", _("Number"), sort="number"),
            Column("partner", _("Partner"), sort="partner"),
            Column("period", _("Period"), sort="period"),
            Column("state", _("State"), sort="state"),
            Column("payable", _("Payable"), sort="payable", num=True),
            Column("disputes", _("Disputes")),
            Column("created", _("created"), sort="created", default=False),
        ),
    )
)
