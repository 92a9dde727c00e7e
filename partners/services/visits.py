"""Writes of partner visits: plan, record, cancel (DESIGN §2.8)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.transitions import transition_record

from ..choices import VisitStatus
from ..models import Partner, PartnerVisit
from ._common import _require_manage

VISIT_FIELDS = ["kind", "planned_on", "agenda", "attendees"]


@transaction.atomic
def visit_plan(
    *, partner: Partner, actor: User, kind: str, planned_on, agenda: str = "", attendees=""
) -> PartnerVisit:
    """A channel manager plans a visit to one of the partners they manage."""
    _require_manage(actor=actor, partner=partner)
    if planned_on is None:
        raise ValidationError({"planned_on": _("Choose the date.")})
    visit = PartnerVisit(
        partner=partner,
        manager=actor,
        kind=kind,
        planned_on=planned_on,
        agenda=agenda.strip(),
        attendees=attendees.strip(),
    )
    visit.full_clean()
    visit.save()
    transition_record(visit, actor=actor, action="visit.planned", partner=partner)
    return visit


@transaction.atomic
def visit_record(
    *, visit: PartnerVisit, actor: User, visited_on, summary: str, next_steps: str = ""
) -> PartnerVisit:
    """Record what happened at a planned visit; the visit is then done."""
    visit = PartnerVisit.objects.select_for_update().select_related("partner").get(pk=visit.pk)
    _require_manage(actor=actor, partner=visit.partner)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be recorded."))
    if visited_on is None or visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit is recorded once it has happened.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Summarise the visit.")})
    visit.status = VisitStatus.DONE
    visit.visited_on = visited_on
    visit.summary = summary.strip()
    visit.next_steps = next_steps.strip()
    visit.save()
    transition_record(
        visit,
        actor=actor,
        action="visit.done",
        partner=visit.partner,
        changes={"status": {"before": VisitStatus.PLANNED, "after": VisitStatus.DONE}},
    )
    return visit


@transaction.atomic
def visit_cancel(*, visit: PartnerVisit, actor: User) -> PartnerVisit:
    """Cancel a planned visit."""
    visit = PartnerVisit.objects.select_for_update().select_related("partner").get(pk=visit.pk)
    _require_manage(actor=actor, partner=visit.partner)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be cancelled."))
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status"])
    transition_record(
        visit,
        actor=actor,
        action="visit.cancelled",
        partner=visit.partner,
        changes={"status": {"before": VisitStatus.PLANNED, "after": VisitStatus.CANCELLED}},
    )
    return visit
