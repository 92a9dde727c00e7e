"""Dashboard cards of the partners app (DESIGN §8)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES, Role
from core.dashboard import widget

# --- agreements and visits (DESIGN §2.5, §2.8) ------------------------------------------------

EXPIRING_SHOWN = 8


@widget(roles=CHANNEL_ROLES | {Role.ADMIN, Role.LEGAL}, order=150)
def agreements_expiring_card(request) -> dict:
    """Active agreements ending within 90 days: a channel manager sees their own partners'."""
    from .selectors import EXPIRY_WINDOW_DAYS, agreements_expiring_for

    expiring = agreements_expiring_for(user=request.user)
    today = timezone.localdate()
    shown = list(expiring[:EXPIRING_SHOWN])
    for agreement in shown:
        agreement.days_left = (agreement.end_date - today).days
    return {
        "template": "partners/widgets/agreements_expiring.html",
        "title": _("Agreements expiring within 90 days"),
        "agreements": shown,
        "count": expiring.count(),
        "days": EXPIRY_WINDOW_DAYS,
    }


@widget(roles=CHANNEL_ROLES | {Role.ADMIN}, order=160)
def partners_without_meeting_card(request) -> dict:
    """Partners the manager has not met this quarter (DESIGN §2.8)."""
    from .selectors import partners_without_quarterly_meeting

    partners = partners_without_quarterly_meeting(user=request.user)
    return {
        "template": "partners/widgets/partners_without_meeting.html",
        "title": _("Partners without a meeting this quarter"),
        "partners": list(partners[:EXPIRING_SHOWN]),
        "count": partners.count(),
    }


@widget(roles={Role.LEGAL}, order=140)
def agreements_legal_queue_card(request) -> dict:
    """Agreement versions waiting for the legal review (DESIGN §2.5)."""
    from .choices import AgreementStatus
    from .selectors import agreement_list_for

    waiting = agreement_list_for(
        user=request.user, filters={"status": AgreementStatus.LEGAL_REVIEW}
    )
    return {
        "template": "partners/widgets/agreements_legal_queue.html",
        "title": _("Agreements waiting for legal review"),
        "agreements": list(waiting.order_by("updated_at", "pk")[:EXPIRING_SHOWN]),
        "count": waiting.count(),
    }
