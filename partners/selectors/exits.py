"""Reads of partner exits (DESIGN §2.9): staff who see the partner, and the leaving company's
partner admin (read only); nobody else at the company."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.choices import Role
from accounts.models import User

from ..choices import ExitStatus, PartnerStatus
from ..exits import ExitStep, exit_step
from ..models import ExitItem, Partner, PartnerExit


def partner_exit_list_for(*, user: User) -> QuerySet[PartnerExit]:
    """Staff see the exits of the partners they see; a partner admin sees its own company's."""
    if not (user.is_vendor_staff or user.role == Role.PARTNER_ADMIN):
        return PartnerExit.objects.none()
    return (
        PartnerExit.objects.visible_to(user)
        .select_related("partner", "started_by", "completed_by")
        .prefetch_related("items__owner", "items__done_by")
    )


def partner_exit_get_for(*, user: User, pk) -> PartnerExit:
    try:
        return partner_exit_list_for(user=user).get(pk=pk)
    except (PartnerExit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def exit_item_get_for(*, user: User, exit_pk, pk) -> ExitItem:
    """An item of an exit, for staff; the services decide who may act on it (the partner's
    managers, finance for the final statement)."""
    if not user.is_vendor_staff:
        raise Http404
    try:
        return (
            ExitItem.objects.visible_to(user)
            .select_related("exit__partner")
            .get(exit_id=exit_pk, pk=pk)
        )
    except (ExitItem.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def partner_exit_open_of(*, partner_id: int | None) -> PartnerExit | None:
    """The exit in progress of a partner, if any (the deal registration rule asks it)."""
    if partner_id is None:
        return None
    return (
        PartnerExit.objects.unrestricted("whether a company is leaving, for its own rules")
        .filter(partner_id=partner_id, status=ExitStatus.OPEN)
        .first()
    )


def partner_ids_in_exit() -> QuerySet:
    """The ids of the partners whose exit is in progress, as a subquery (lead distribution leaves
    them out)."""
    return (
        PartnerExit.objects.unrestricted("which companies are leaving, for other apps' rules")
        .filter(status=ExitStatus.OPEN)
        .values("partner_id")
    )


def partner_exit_latest_of(*, user: User, partner_id: int) -> PartnerExit | None:
    """The newest exit of a partner the user may read, for the partner pages."""
    if not (user.is_vendor_staff or user.role == Role.PARTNER_ADMIN):
        return None
    return PartnerExit.objects.visible_to(user).filter(partner_id=partner_id).first()


@dataclass(frozen=True)
class ChecklistRow:
    item: ExitItem
    step: ExitStep
    remaining: int | None
    link: str

    @property
    def runnable(self) -> bool:
        """Whether the step has a service that does it at once (templates must not call it)."""
        return self.step.run is not None


def exit_checklist(*, partner_exit: PartnerExit, staff: bool) -> list[ChecklistRow]:
    """The items with their step, what is left (counted by the owning app) and the page where
    staff work on it; the partner's read-only view gets no links."""
    rows = []
    for item in partner_exit.items.all():
        step = exit_step(item.step)
        remaining = (
            step.remaining(partner=partner_exit.partner)
            if step.remaining and partner_exit.is_open and not item.is_done
            else None
        )
        link = step.link(partner_exit) if step.link and staff and partner_exit.is_open else ""
        rows.append(ChecklistRow(item=item, step=step, remaining=remaining, link=link))
    return rows


def partners_receiving_for(*, user: User, leaving_id: int | None = None) -> QuerySet[Partner]:
    """The partners the user may hand a leaving partner's deals to: active, seen by the user,
    not leaving themselves."""
    partners = (
        Partner.objects.visible_to(user)
        .filter(status=PartnerStatus.ACTIVE)
        .exclude(pk__in=partner_ids_in_exit())
        .order_by("legal_name")
    )
    return partners if leaving_id is None else partners.exclude(pk=leaving_id)
