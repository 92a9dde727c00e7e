"""Helpers of the tier, scorecard and NPS tests: figures put where the evaluations read them."""

from __future__ import annotations

import datetime as dt

from accounts.choices import Role
from core.periods import Quarter
from partners.models import NpsResponse

from ..factories import PartnerUserFactory
from ..rebates.factories import line
from ..training.factories import CertificationFactory

Q3 = Quarter.parse("2026Q3")


def revenue(partner, amount, *, day: str = "2026-08-15", **kwargs):
    return line(partner, amount, day=day, **kwargs)


def certify(partner, *, total: int, senior: int = 0, issued: dt.date = dt.date(2026, 1, 5)):
    """`total` certified people at the partner, `senior` of them at senior level."""
    for index in range(total):
        user = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
        CertificationFactory(
            user=user,
            partner=partner,
            level="senior" if index < senior else "junior",
            issued_on=issued,
            expires_on=issued + dt.timedelta(days=730),
        )


def answers(partner, quarter: str, scores: list[int]):
    NpsResponse.objects.bulk_create(
        NpsResponse(partner=partner, quarter=quarter, score=score) for score in scores
    )
