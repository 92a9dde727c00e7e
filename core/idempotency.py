"""Idempotency keys (DESIGN §9): the same create posted twice makes one record.

A create form carries a hidden key made when the form is rendered (`{% idempotency_key_field %}`);
an API client sends an `Idempotency-Key` header. The first post with a key claims it (a row unique
per user and key) in the transaction that creates the record, and stores its answer there; a later
post with the same key gets that answer again. Two posts at once: the second one's claim waits on
the unique index until the first commits, then replays its answer — one record either way. A post
that creates nothing (invalid input) releases its key, so the corrected form can be sent with it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.contrib import messages
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import IdempotencyKey

FORM_FIELD = "idempotency_key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as in the IETF draft's examples
KEEP_FOR = timedelta(days=7)
REUSED_MESSAGE = _(
    "This idempotency key was already used with a different request: "
    "send a new key for a new request."
)
REPLAYED_FORM_MESSAGE = _("This form was already sent; here is what it created.")


def new_key() -> str:
    return uuid.uuid4().hex


def key_is_valid(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def fingerprint_of(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


# Not atomic itself: it must run inside the transaction that creates the record (asserted).
def idempotency_claim(*, user, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Claim `key` for `user`: None when this post is the first (go on and create), else the
    stored first answer. Waits while another transaction holds the same key."""
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_claim must run inside the creating transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {IdempotencyKey._meta.db_table}
                (user_id, key, fingerprint, status_code, location, created_at)
            VALUES (%s, %s, %s, 0, '', %s)
            ON CONFLICT (user_id, key) DO NOTHING
            RETURNING id
            """,  # noqa: S608 (the table name is ours)
            [user.pk, key, fingerprint, timezone.now()],
        )
        if cursor.fetchone() is not None:
            return None
    # READ COMMITTED: this statement sees the row the other transaction committed.
    return IdempotencyKey.objects.get(user=user, key=key)


def idempotency_store(
    *,
    user,
    key: str,
    status_code: int,
    location: str = "",
    body: dict | list | None = None,
) -> None:
    """Record the answer of the post that claimed `key` (same transaction)."""
    IdempotencyKey.objects.filter(user=user, key=key).update(
        status_code=status_code, location=location[:500], body=body
    )


def idempotency_release(*, user, key: str) -> None:
    """The post created nothing: free the key for the corrected request."""
    IdempotencyKey.objects.filter(user=user, key=key).delete()


def idempotency_purge_old(*, older_than: timedelta = KEEP_FOR) -> int:
    """Keys are needed for retries within minutes; a week is plenty."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


@shared_task(time_limit=600, soft_time_limit=540)
def idempotency_key_purge_task() -> int:
    return idempotency_purge_old()


def idempotent_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a create view whose form carries `{% idempotency_key_field %}`: a second POST with
    the same key redirects to what the first created instead of creating it again. Put it under
    the login/role decorators."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.POST.get(FORM_FIELD, "") if request.method == "POST" else ""
        if not key or not key_is_valid(key) or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        fingerprint = fingerprint_of("form", request.path)
        with transaction.atomic():
            first = idempotency_claim(user=request.user, key=key, fingerprint=fingerprint)
            if first is not None:
                if first.fingerprint != fingerprint or not first.location:
                    messages.error(request, REUSED_MESSAGE)
                    return redirect(request.path)
                messages.info(request, REPLAYED_FORM_MESSAGE)
                return redirect(first.location)
            response = view(request, *args, **kwargs)
            if response.status_code in (301, 302, 303) and response.has_header("Location"):
                idempotency_store(
                    user=request.user,
                    key=key,
                    status_code=response.status_code,
                    location=response["Location"],
                )
            else:  # the form came back with its errors: nothing was created
                idempotency_release(user=request.user, key=key)
            return response

    return wrapper
