"""A partner's exit from the programme and its checklist (DESIGN §2.9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedManager

from ..choices import ExitKind, ExitStatus


class PartnerExit(models.Model):
    """Termination or non-renewal of one partner: the record kept for the history.

    At most one exit of a partner is open; while it is, the partner registers no new deals.
    """

    scope_partner_path = "partner"

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="exits",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ExitKind.choices)
    reason = models.TextField(_("reason"))
    exit_date = models.DateField(_("exit date"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExitStatus.choices, default=ExitStatus.OPEN
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    users_deactivated_at = models.DateTimeField(_("users deactivated"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner exit")
        verbose_name_plural = _("partner exits")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=Q(status="open"), name="partner_exit_one_open"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="partner_exit_has_reason"),
        ]
        indexes = [models.Index(fields=["status", "exit_date"], name="partner_exit_due")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()} · {self.exit_date:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == ExitStatus.OPEN


class ExitItem(models.Model):
    """One step of an exit's checklist: its owner, due date and done state.

    `step` names a step of `partners.exits` (registered by the app that owns the work).
    """

    scope_partner_path = "exit__partner"

    exit = models.ForeignKey(
        PartnerExit, verbose_name=_("exit"), on_delete=models.CASCADE, related_name="items"
    )
    step = models.CharField(_("step"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("exit checklist item")
        verbose_name_plural = _("exit checklist items")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["exit", "step"], name="exit_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.exit_id}:{self.step}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
