"""The tail of every state change: one audit row, the notifications, and the work that must wait
for the commit. A service calls `transition_record` once, inside its transaction, after saving.

    transition_record(
        report, actor=actor, action="business_report.returned", partner=report.partner,
        changes={"status": {"before": "submitted", "after": "returned"}}, note=comment,
        notice=Notice(recipients=[report.submitted_by], kind="partner.report_reviewed",
                      title=_("Your business report for %(month)s: %(status)s"), ...),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from .audit import audit_record, diff, snapshot
from .models import AuditEvent
from .notifications import notify


@dataclass(frozen=True)
class Notice:
    """One notification of a transition, as `core.notifications.notify` takes it."""

    recipients: Iterable
    kind: str
    title: Any
    body: Any = ""
    url: str = ""
    params: Mapping[str, Any] | None = field(default=None)
    email: bool = True


def transition_record(
    obj: models.Model | None,
    *,
    actor,
    action: str,
    changes: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    fields: list[str] | None = None,
    note: str = "",
    partner=None,
    notice: Notice | Iterable[Notice] | None = None,
    on_commit: Callable[[], Any] | Iterable[Callable[[], Any]] = (),
) -> AuditEvent:
    """Record a change of `obj` made by `actor`: the audit row `action`, then each notice, then
    queue `on_commit` callables to run after the transaction commits (never on rollback).

    `changes` are given, or computed as the difference between `before` and the object's `fields`
    now. Call it inside the service's transaction, after the object is saved.
    """
    if changes is None and before is not None and fields is not None:
        changes = diff(before, snapshot(obj, fields))
    event = audit_record(
        actor=actor, action=action, obj=obj, changes=changes, note=note, partner=partner
    )
    notices = [notice] if isinstance(notice, Notice) else list(notice or ())
    for item in notices:
        notify(
            recipients=item.recipients,
            kind=item.kind,
            title=item.title,
            body=item.body,
            url=item.url,
            params=item.params,
            email=item.email,
        )
    for callback in [on_commit] if callable(on_commit) else on_commit:
        transaction.on_commit(callback)
    return event
