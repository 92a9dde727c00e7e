"""What the partners pages share: the page size, the channel roles, the bulk decisions of the
queues, and the status of a page re-rendered with a form."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.choices import CHANNEL_ROLES

PAGE_SIZE = 50
CHANNEL = tuple(CHANNEL_ROLES)

# The bulk decisions of the approval queues (DESIGN §8.1): move on (or confirm), or reject.
APPLICATION_DECISIONS = (("advance", _("Advance to the next step")), ("reject", _("Reject")))
PROPOSAL_DECISIONS = (("confirm", _("Confirm")), ("reject", _("Reject")))


def _bad(form) -> int:
    return 400 if form is not None and form.is_bound and form.errors else 200
