"""What the MDF workflows share: today's date, the partner row lock, the ledger row, uploaded
proof and the decision notice to the partner.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.money import round_money
from core.notifications import Audience, notify, partner_recipients
from core.periods import Quarter
from core.uploads import validate_document
from partners.models import Partner

from ..models import FundRequest, MdfLedgerEntry


def _today() -> datetime.date:
    return timezone.localdate()


def _lock_partner(partner):
    return Partner.objects.select_for_update().get(pk=partner.pk)


def _entry(*, partner, kind: str, amount: Decimal, quarter: Quarter, **extra) -> MdfLedgerEntry:
    return MdfLedgerEntry.objects.create(
        partner=partner,
        kind=kind,
        amount=round_money(amount, partner.contract_currency),
        currency=partner.contract_currency,
        quarter=str(quarter),
        **extra,
    )


def _attach(model, owner_field: str, owner, files, actor) -> None:
    for upload in files:
        model.objects.create(**{owner_field: owner}, file=upload, uploaded_by=actor)


def _validate_files(files, field: str) -> dict:
    messages = []
    for upload in files:
        try:
            validate_document(upload)
        except ValidationError as exc:
            messages.extend(f"{upload.name}: {m}" for m in exc.messages)
    return {field: messages} if messages else {}


def _notify_partner(
    request: FundRequest, title, body: Any = "", params: dict[str, Any] | None = None
) -> None:
    """The MDF decision notice; a decision passes it to `transition_record` as `on_commit`."""
    # The requester and the company's finance people and admins, not the whole company.
    recipients = partner_recipients(
        partner=request.partner_id, audience=Audience.FINANCE, people=[request.submitted_by_id]
    )
    if recipients:
        notify(
            recipients=recipients,
            kind="mdf.decision",
            title=title,
            body=body,
            url=f"/funds/requests/{request.pk}/",
            params={"title": request.title, **(params or {})},
        )
