"""Statement line descriptions in the reader's language (DESIGN §8, §9).

An entry is queued with a message key and its placeholders; a name staff typed in two languages
travels as a `{"en": …, "zh": …}` pair (`BilingualName.name_pair()`). The text is rendered when
it is read — page, API, export, PDF — in the reader's language, so a Chinese partner and English
finance each read their own. The financial rows stay as written: the description in the writer's
language is still stored, and rows queued before keys existed (or with a key nobody registers any
more) show that stored text.

Settlement sits below the apps that queue entries: an app registers its messages here in its
`AppConfig.ready()` (rebates: "Rebate %(programme)s, %(period)s"; funds: the MDF reimbursement).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.bilingual import localized_value

_messages: dict[str, Promise] = {}


def line_description_register(key: str, message: Promise) -> None:
    """`message` is a lazy translatable text with `%(name)s` placeholders."""
    _messages[key] = message


def line_description_render(*, key: str, params: Mapping[str, Any] | None, stored: str) -> str:
    """The description in the active language; the stored text when the key is unknown or its
    placeholders do not fit the message."""
    message = _messages.get(key) if key else None
    if message is None:
        return stored
    values = {name: localized_value(value) for name, value in (params or {}).items()}
    try:
        return str(message) % values
    except (KeyError, TypeError, ValueError):
        return stored


DISPUTE_OUTCOME = "settlement.dispute_outcome"
line_description_register(DISPUTE_OUTCOME, _("Dispute outcome for %(number)s"))
