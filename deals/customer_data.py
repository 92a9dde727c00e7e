"""Customer data shown to users (DESIGN §2.7, §9): who sees the sensitive fields in full, their
masked form for everyone else, and the audit row of every partner read.

Every door that shows deals or leads — pages, htmx fragments, API, exports — takes the sensitive
fields from `customer_contact_for` (never from the model fields) and logs the read with
`customer_data_read`; `customer_data_shown` does both for a page or an export.

Who sees a record's contact in full: vendor staff; the partner user who registered the deal (for a
lead: who accepted it) and the partner admins of that company. Everyone else — colleagues of the
registrant, a distributor looking at its dealer's deal, partners merely offered a lead — sees the
masked form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from accounts.choices import Role
from core.audit import audit_read
from core.models import AuditEvent

from .models import Deal, Lead

SENSITIVE_CUSTOMER_FIELDS = (
    "customer_contact_name",
    "customer_contact_phone",
    "customer_contact_email",
    "customer_address",
)
MASK = "*"


def mask_person(value: str) -> str:
    """The first letter and the word lengths: 张三丰 → 张**, John Smith → J*** *****."""
    if not value:
        return ""
    return value[0] + "".join(c if c.isspace() else MASK for c in value[1:])


def mask_phone(value: str) -> str:
    """The first three and last four digits: 138 1234 5678 → 138****5678 (short numbers keep
    only their last two)."""
    compact = "".join(c for c in value if not c.isspace() and c not in "-()")
    if len(compact) > 7:
        return compact[:3] + MASK * (len(compact) - 7) + compact[-4:]
    if len(compact) > 2:
        return MASK * (len(compact) - 2) + compact[-2:]
    return MASK * 3


def mask_email(value: str) -> str:
    """The domain stays, the mailbox does not: john@example.com → j***@example.com."""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return mask_person(value)
    return f"{local[0]}{MASK * 3}@{domain}"


def mask_address(value: str) -> str:
    """The city part, never the street: 上海市浦东新区世纪大道100号 → 上海市浦东******."""
    if not value:
        return ""
    return value[: min(6, len(value) // 3)] + MASK * 6


MASKERS = {
    "customer_contact_name": mask_person,
    "customer_contact_phone": mask_phone,
    "customer_contact_email": mask_email,
    "customer_address": mask_address,
}


@dataclass(frozen=True)
class CustomerContact:
    """The sensitive customer fields of one deal or lead as one user may see them."""

    name: str
    phone: str
    email: str
    address: str
    masked: bool

    def as_fields(self) -> dict[str, str]:
        return dict(
            zip(
                SENSITIVE_CUSTOMER_FIELDS,
                (self.name, self.phone, self.email, self.address),
                strict=True,
            )
        )


def sees_customer_contact(*, user, record: Deal | Lead) -> bool:
    """True when `user` may see the record's sensitive customer fields unmasked."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_vendor_staff or user.is_superuser:
        return True
    if not user.is_partner_user:
        return False
    if isinstance(record, Lead):
        owner_id, registrant_id = record.accepted_partner_id, record.accepted_by_id
    else:
        owner_id, registrant_id = record.partner_id, record.registered_by_id
    if owner_id is None or owner_id != user.partner_id:
        return False
    return user.pk == registrant_id or user.role == Role.PARTNER_ADMIN


def customer_contact_for(*, user, record: Deal | Lead) -> CustomerContact:
    """The record's contact person, phone, e-mail and street address, masked unless `user` may see
    them in full. No query: it reads only the record's own columns."""
    full = sees_customer_contact(user=user, record=record)
    values = [
        value if full or not value else MASKERS[name](value)
        for name in SENSITIVE_CUSTOMER_FIELDS
        for value in [getattr(record, name) or ""]
    ]
    return CustomerContact(*values, masked=not full)


AUDITED_FILTERS_MAX = 20
AUDITED_FILTER_LENGTH = 200


def _filters_as_asked(filters: dict[str, Any]) -> dict[str, Any]:
    """The non-empty filters, bounded and without NUL characters (which PostgreSQL refuses in
    JSON): whatever a client sends in a query string, logging it never fails the read."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("\x00", "")[:AUDITED_FILTER_LENGTH]
        return value

    kept = [(clean(k), clean(v)) for k, v in filters.items() if v not in (None, "")]
    return dict(kept[:AUDITED_FILTERS_MAX])


def customer_data_read(
    *,
    user,
    model: type[Deal] | type[Lead],
    ids: Sequence[int],
    view: str,
    door: str,
    filters: dict[str, Any] | None = None,
    page: int | None = None,
    export_format: str = "",
) -> AuditEvent | None:
    """Log one partner user's read of customer records: one audit row per request (DESIGN §9).

    `view` is "detail", "list" or "export" (action `deal.viewed`, `deal.listed`,
    `deal.exported`, likewise `lead.*`); `door` is "page", "htmx", "api" or "dashboard". Staff reads and reads
    that showed nothing are not logged.
    """
    if not getattr(user, "is_partner_user", False) or not ids:
        return None
    verb = {"detail": "viewed", "list": "listed", "export": "exported"}[view]
    context: dict[str, Any] = {"door": door}
    if filters:
        context["filters"] = _filters_as_asked(filters)
    if page is not None:
        context["page"] = page
    if export_format:
        context["format"] = export_format
    return audit_read(
        actor=user,
        action=f"{model._meta.model_name}.{verb}",
        model=model,
        ids=list(ids),
        partner_id=user.partner_id,
        context=context,
    )


def customer_data_shown(
    *,
    user,
    records: Iterable[Deal | Lead],
    view: str,
    door: str,
    filters: dict[str, Any] | None = None,
    page: int | None = None,
    export_format: str = "",
) -> list:
    """The records about to be shown, each with `.contact` (its `CustomerContact` for `user`);
    the read is logged once for all of them."""
    shown = list(records)
    if not shown:
        return shown
    model = type(shown[0])
    for record in shown:
        record.contact = customer_contact_for(user=user, record=record)
    customer_data_read(
        user=user,
        model=model,
        ids=[record.pk for record in shown],
        view=view,
        door=door,
        filters=filters,
        page=page,
        export_format=export_format,
    )
    return shown
