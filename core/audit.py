"""Audit trail (DESIGN §9): every state change and every change of a financial or permission field.

Services call `audit_record` inside their transaction, so the event exists exactly when the change
does. `snapshot` + `diff` turn "before" and "after" into the stored change set.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` (foreign keys by id), ready to compare and store."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _jsonable(getattr(obj, attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _partner_of(obj: models.Model | None):
    if obj is None:
        return None
    path = getattr(type(obj), "scope_partner_path", None)
    if path is None:
        return None
    if path == "":
        return obj
    target: Any = obj
    for part in path.split("__"):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    partner=None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. `action` reads `<entity>.<verb>`, e.g. `deal.approved`."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_repr=(actor_obj.email if actor_obj else "system"),
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        partner=partner if partner is not None else _partner_of(obj),
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
        note=note,
        ip_address=ip_address,
    )


def audit_record_many(
    *, actor, action: str, events: Sequence[tuple[models.Model, dict[str, Any]]], note: str = ""
) -> int:
    """Append one event per (object, changes) of a batch job: the same rows as `audit_record` for
    each object, written with one multi-row INSERT per thousand (no model instance per row: a
    yearly job audits ten thousand partners). Returns the number of rows."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    actor_repr = actor_obj.email if actor_obj else "system"
    now = timezone.now()
    types: dict[type, int] = {}
    rows = []
    for obj, changes in events:
        if type(obj) not in types:
            types[type(obj)] = ContentType.objects.get_for_model(obj).pk
        partner = _partner_of(obj)
        rows.append(
            (
                now,
                actor_obj.pk if actor_obj else None,
                actor_repr,
                action,
                types[type(obj)],
                str(obj.pk),
                str(obj)[:300],
                partner.pk if partner is not None else None,
                json.dumps({k: _jsonable(v) for k, v in (changes or {}).items()}),
                note,
            )
        )
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    row_sql = "(" + ", ".join(["%s"] * 10) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            page = rows[start : start + 1000]
            cursor.execute(
                f"INSERT INTO {table} (created_at, actor_id, actor_repr, action, "  # noqa: S608 (our table, placeholders only)
                "content_type_id, object_id, object_repr, partner_id, changes, note) "
                f"VALUES {', '.join([row_sql] * len(page))}",
                [value for row in page for value in row],
            )
    return len(rows)


def audit_read(
    *,
    actor,
    action: str,
    model: type[models.Model],
    ids: Sequence[Any],
    partner_id: int | None,
    context: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event for one read request, however many records it showed (DESIGN §9).

    Stores which records (`ids` and their count) and how they were asked for (`context`: door,
    filters, page, format). One INSERT whatever the number of records; a single record is also
    linked as the event's object so that it shows in that object's history.
    """
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    ids = [_jsonable(pk) for pk in ids]
    single = len(ids) == 1
    row = {
        "action": action,
        "content_type": ContentType.objects.get_for_model(model) if single else None,
        "object_id": str(ids[0]) if single else "",
        "object_repr": f"{model._meta.verbose_name_plural}: {len(ids)}"[:300],
        "partner_id": partner_id,
        "changes": {"ids": ids, "count": len(ids)}
        | {k: _jsonable(v) for k, v in (context or {}).items()},
    }
    recorded = _reads_recorded.get()
    if recorded is not None:
        content_type = row["content_type"]
        recorded.append(row | {"content_type": content_type.pk if content_type else None})
    return AuditEvent.objects.create(
        actor=actor_obj, actor_repr=(actor_obj.email if actor_obj else "system"), **row
    )


# The reads `audit_read` logged while a cached response was computed (core/microcache.py): a
# later request answered from that cache logs them again, so every read has its row (DESIGN §9).
_reads_recorded: ContextVar[list[dict[str, Any]] | None] = ContextVar(
    "reads_recorded", default=None
)


@contextmanager
def audit_reads_recorded() -> Iterator[list[dict[str, Any]]]:
    """Collect, besides writing them, the reads `audit_read` logs inside the block."""
    recorded: list[dict[str, Any]] = []
    token = _reads_recorded.set(recorded)
    try:
        yield recorded
    finally:
        _reads_recorded.reset(token)


def audit_reads_replay(*, actor, recorded: Sequence[dict[str, Any]]) -> int:
    """Log again, for `actor` and now, the reads recorded by `audit_reads_recorded`: the same
    rows as `audit_read` wrote, in one INSERT without model instances (a cached answer's reads are
    logged on every answer, so they are on the hot path). Returns the number of rows."""
    if not recorded:
        return 0
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    actor_repr = actor_obj.email if actor_obj else "system"
    now = timezone.now()
    rows = [
        (
            now,
            actor_obj.pk if actor_obj else None,
            actor_repr,
            read["action"],
            read["content_type"],
            read["object_id"],
            read["object_repr"],
            read["partner_id"],
            json.dumps(read["changes"]),
            "",
        )
        for read in recorded
    ]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    row_sql = "(" + ", ".join(["%s"] * 10) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (created_at, actor_id, actor_repr, action, "  # noqa: S608 (our table, placeholders only)
            "content_type_id, object_id, object_repr, partner_id, changes, note) "
            f"VALUES {', '.join([row_sql] * len(rows))}",
            [value for row in rows for value in row],
        )
    return len(rows)


def audit_event_list(*, filters: dict[str, Any] | None = None) -> models.QuerySet[AuditEvent]:
    """The audit log as administrators filter it (the audit page and its export): action, actor
    and object by substring, a date range on the day of the event; newest first."""
    filters = filters or {}
    events = AuditEvent.objects.select_related("content_type")
    if filters.get("action"):
        events = events.filter(action__icontains=filters["action"])
    if filters.get("actor"):
        events = events.filter(actor_repr__icontains=filters["actor"])
    if filters.get("object_repr"):
        events = events.filter(object_repr__icontains=filters["object_repr"])
    if filters.get("date_from"):
        events = events.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(created_at__date__lte=filters["date_to"])
    return events
