"""Writes of a partner's exit (DESIGN §2.9): start it with its checklist, do or tick the steps,
deactivate the company's users on the exit date, and complete it.

The steps that touch deals, leads, MDF, certifications and statements are the services of those
apps, reached through the registry of `partners.exits`; partners never imports them.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from core.notifications import Audience, partner_recipients
from core.transitions import Notice, transition_record

from ..choices import ExitKind, ExitStatus, PartnerStatus
from ..exits import OWNER_FINANCE, USERS, ExitStep, exit_step, exit_steps
from ..models import ExitItem, Partner, PartnerExit
from ._common import _require_manage


def _exit_url(partner_exit: PartnerExit) -> str:
    return reverse("partners:exit_detail", args=[partner_exit.pk])


def _finance_owner() -> User | None:
    return (
        User.objects.filter(role=Role.FINANCE, is_active=True, partner__isnull=True)
        .order_by("pk")
        .first()
    )


def _owner(step: ExitStep, partner: Partner, actor: User) -> User | None:
    if step.owner == OWNER_FINANCE:
        return _finance_owner()
    return partner.channel_manager or actor


def _people(partner_exit: PartnerExit) -> list[User]:
    """Who hears about the exit: the channel manager, the item owners and the partner admins."""
    partner = partner_exit.partner
    owners = [item.owner for item in partner_exit.items.all() if item.owner_id]
    return [
        partner.channel_manager,
        *owners,
        *partner_recipients(partner=partner, audience=Audience.ADMINS),
    ]


@transaction.atomic
def partner_exit_start(
    *, partner: Partner, actor: User, kind: str, reason: str, exit_date: datetime.date
) -> PartnerExit:
    """Open the exit of `partner` with one checklist item per registered step; from now on the
    partner registers no new deals. Notifies the manager, the owners and the partner admins."""
    partner = (
        Partner.objects.select_for_update(of=("self",))
        .select_related("channel_manager")
        .get(pk=partner.pk)
    )
    _require_manage(actor=actor, partner=partner)
    errors = {}
    if kind not in ExitKind.values:
        errors["kind"] = _("Choose termination or non-renewal.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the exit.")
    if exit_date is None or exit_date < timezone.localdate():
        errors["exit_date"] = _("The exit date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    if partner.status == PartnerStatus.TERMINATED:
        raise ValidationError(_("This partner has already left the programme."))
    if PartnerExit.objects.filter(partner=partner, status=ExitStatus.OPEN).exists():
        raise ValidationError(_("An exit of this partner is already in progress."))
    partner_exit = PartnerExit.objects.create(
        partner=partner, kind=kind, reason=reason.strip(), exit_date=exit_date, started_by=actor
    )
    ExitItem.objects.bulk_create(
        ExitItem(
            exit=partner_exit,
            step=step.key,
            position=step.position,
            owner=_owner(step, partner, actor),
            due_on=max(exit_date - datetime.timedelta(days=step.days_before), timezone.localdate()),
        )
        for step in exit_steps()
    )
    transition_record(
        partner_exit,
        actor=actor,
        action="partner_exit.started",
        partner=partner,
        changes={
            "status": {"before": None, "after": ExitStatus.OPEN},
            "kind": {"before": None, "after": kind},
            "exit_date": {"before": None, "after": exit_date.isoformat()},
        },
        note=partner_exit.reason,
        notice=Notice(
            recipients=_people(partner_exit),
            kind="partner.exit_started",
            title=_("%(partner)s leaves the programme on %(date)s"),
            body=partner_exit.reason,
            url=_exit_url(partner_exit),
            params={"partner": partner.legal_name, "date": exit_date.isoformat()},
        ),
    )
    return partner_exit


def _lock_item(item: ExitItem, actor: User | None) -> ExitItem:
    item = (
        ExitItem.objects.select_for_update(of=("self",))
        .select_related("exit__partner")
        .get(pk=item.pk)
    )
    if actor is not None:
        # The finance team owns the final statement; the partner's managers own the rest.
        finance_step = exit_step(item.step).owner == OWNER_FINANCE and actor.is_finance_staff
        if not finance_step:
            _require_manage(actor=actor, partner=item.exit.partner)
    if not item.exit.is_open:
        raise ValidationError(_("This exit is completed."))
    if item.is_done:
        raise ValidationError(_("This step is already done."))
    return item


def _require_nothing_left(step: ExitStep, partner: Partner) -> None:
    left = step.remaining(partner=partner) if step.remaining else 0
    if left:
        raise ValidationError(
            _("%(count)s still to do for this step: %(step)s.")
            % {"count": left, "step": step.label}
        )


def _tick(item: ExitItem, *, actor: User | None, note: str, action: str) -> ExitItem:
    item.done_at = timezone.now()
    item.done_by = actor
    item.note = note.strip()
    item.save(update_fields=["done_at", "done_by", "note"])
    transition_record(
        item,
        actor=actor,
        action=action,
        partner=item.exit.partner,
        changes={"done": {"before": False, "after": True}},
        note=item.note,
    )
    return item


@transaction.atomic
def exit_item_run(*, item: ExitItem, actor: User) -> ExitItem:
    """Do the step now through its owning app's service; ticked when nothing is left after it."""
    item = _lock_item(item, actor)
    step = exit_step(item.step)
    if step.run is None:
        raise ValidationError(_("This step is not done automatically."))
    summary = step.run(partner=item.exit.partner, actor=actor)
    left = step.remaining(partner=item.exit.partner) if step.remaining else 0
    if left:
        item.note = summary
        item.save(update_fields=["note"])
        transition_record(
            item, actor=actor, action="exit_item.run", partner=item.exit.partner, note=summary
        )
        return item
    return _tick(item, actor=actor, note=summary, action="exit_item.run")


@transaction.atomic
def exit_item_done(*, item: ExitItem, actor: User, note: str = "") -> ExitItem:
    """Tick a step by hand; refused while its app still counts something left to do."""
    item = _lock_item(item, actor)
    step = exit_step(item.step)
    if step.automatic:
        raise ValidationError(_("This step is done by itself on the exit date."))
    _require_nothing_left(step, item.exit.partner)
    return _tick(item, actor=actor, note=note, action="exit_item.done")


@transaction.atomic
def partner_exit_deactivate_users(
    *, partner_exit: PartnerExit, today: datetime.date | None = None
) -> int:
    """On or after the exit date, switch off every active user of the company (their sessions and
    tokens stop at once) and tick the users step. Idempotent: a second run changes nothing."""
    today = today or timezone.localdate()
    partner_exit = (
        PartnerExit.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=partner_exit.pk)
    )
    if not partner_exit.is_open or partner_exit.exit_date > today:
        return 0
    partner = partner_exit.partner
    users = list(
        User.objects.select_for_update().filter(partner=partner, is_active=True).order_by("pk")
    )
    for user in users:
        user.is_active = False
        user.save(update_fields=["is_active"])
        transition_record(
            user,
            actor=None,
            action="partner_user.deactivated",
            partner=partner,
            changes={"is_active": {"before": True, "after": False}},
            note=_("Exit date reached."),
        )
    if partner_exit.users_deactivated_at is None:
        partner_exit.users_deactivated_at = timezone.now()
        partner_exit.save(update_fields=["users_deactivated_at"])
        transition_record(
            partner_exit,
            actor=None,
            action="partner_exit.users_deactivated",
            partner=partner,
            changes={"users_deactivated": {"before": 0, "after": len(users)}},
        )
    item = (
        ExitItem.objects.select_for_update()
        .filter(exit=partner_exit, step=USERS, done_at__isnull=True)
        .select_related("exit__partner")
        .first()
    )
    if item is not None:
        _tick(
            item,
            actor=None,
            note=str(_("%(count)s users deactivated.") % {"count": len(users)}),
            action="exit_item.done",
        )
    return len(users)


# Not atomic as a whole: a daily batch; each exit is its own transaction.
def partner_exits_deactivate_due(*, today: datetime.date | None = None) -> int:
    """Deactivate the users of every open exit whose date has come; re-running changes nothing."""
    today = today or timezone.localdate()
    due = (
        PartnerExit.objects.unrestricted("the exit-date job runs over every partner")
        .filter(status=ExitStatus.OPEN, exit_date__lte=today)
        .order_by("pk")
    )
    return sum(partner_exit_deactivate_users(partner_exit=e, today=today) for e in due)


@transaction.atomic
def partner_exit_complete(*, partner_exit: PartnerExit, actor: User) -> PartnerExit:
    """Close the exit once every step is done: the partner is terminated; the record stays."""
    partner_exit = PartnerExit.objects.select_for_update().get(pk=partner_exit.pk)
    partner = (
        Partner.objects.select_for_update(of=("self",))
        .select_related("channel_manager")
        .get(pk=partner_exit.partner_id)
    )
    partner_exit.partner = partner
    if not (actor.is_vendor_staff and actor.is_active):
        raise PermissionDenied
    _require_manage(actor=actor, partner=partner)
    if not partner_exit.is_open:
        raise ValidationError(_("This exit is already completed."))
    open_items = [item for item in partner_exit.items.all() if not item.is_done]
    if open_items:
        raise ValidationError(
            _("Finish the checklist first: %(steps)s.")
            % {"steps": ", ".join(str(exit_step(item.step).label) for item in open_items)}
        )
    partner_exit.status = ExitStatus.COMPLETED
    partner_exit.completed_by = actor
    partner_exit.completed_at = timezone.now()
    partner_exit.save(update_fields=["status", "completed_by", "completed_at"])
    before = partner.status
    partner.status = PartnerStatus.TERMINATED
    partner.save(update_fields=["status", "updated_at"])
    transition_record(
        partner,
        actor=actor,
        action="partner.terminated",
        partner=partner,
        changes={"status": {"before": before, "after": PartnerStatus.TERMINATED}},
        note=partner_exit.reason,
    )
    transition_record(
        partner_exit,
        actor=actor,
        action="partner_exit.completed",
        partner=partner,
        changes={"status": {"before": ExitStatus.OPEN, "after": ExitStatus.COMPLETED}},
        notice=Notice(
            recipients=[
                partner.channel_manager,
                *[i.owner for i in partner_exit.items.all() if i.owner_id],
            ],
            kind="partner.exit_completed",
            title=_("The exit of %(partner)s is complete"),
            url=_exit_url(partner_exit),
            params={"partner": partner.legal_name},
        ),
    )
    return partner_exit
