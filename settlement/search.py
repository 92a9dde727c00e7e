"""Statements in the global search (DESIGN §8.1), by number; whoever may not read a statement
(partner sales, channel staff) finds none."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.search import SearchHit, SearchRequest, search_provider

from .selectors import statement_search_for


@search_provider("statements", _("Statements"), order=40)
def statements_search(request: SearchRequest) -> list[SearchHit]:
    statements = statement_search_for(user=request.user, text=request.text, limit=request.limit)
    return [
        SearchHit(
            title=statement.number,
            subtitle=" · ".join(
                (statement.partner.legal_name, statement.period, statement.get_state_display())
            ),
            url=reverse("settlement:statement_detail", args=[statement.pk]),
            score=1.0 if statement.number == request.text.upper() else 0.5,
        )
        for statement in statements
    ]
