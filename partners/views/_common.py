"""What the partners pages share: the page size, the channel roles, and a service's
ValidationError shown on its form.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.choices import CHANNEL_ROLES

PAGE_SIZE = 50
CHANNEL = tuple(CHANNEL_ROLES)


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
