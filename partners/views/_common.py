"""What the partners pages share: the page size and the channel roles."""

from __future__ import annotations

from accounts.choices import CHANNEL_ROLES

PAGE_SIZE = 50
CHANNEL = tuple(CHANNEL_ROLES)
