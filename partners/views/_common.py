"""What the partners pages share: the page size, the channel roles, and the status of a page
re-rendered with a form (the queues' bulk decisions are in `partners.bulk`)."""

from __future__ import annotations

from accounts.choices import CHANNEL_ROLES

PAGE_SIZE = 50
CHANNEL = tuple(CHANNEL_ROLES)


def _bad(form) -> int:
    return 400 if form is not None and form.is_bound and form.errors else 200
