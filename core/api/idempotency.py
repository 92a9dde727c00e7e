"""The `Idempotency-Key` header on the API's creates (core/idempotency.py has the mechanism).

`@idempotent_create` on a viewset's `create`: a POST with a key the caller used before gets the
first answer again (same status and body, header `Idempotent-Replayed: true`) instead of a second
record; the same key with a different body answers 422. Posts without the header work as before.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ..idempotency import (
    REUSED_MESSAGE,
    fingerprint_of,
    idempotency_claim,
    idempotency_release,
    idempotency_store,
    key_is_valid,
)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
SCHEMA_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional; up to 255 visible ASCII characters, e.g. a UUID you make per create. Sending "
        "the same POST again with the same key (a retry after a timeout, a double click) returns "
        "the first answer, with the header `Idempotent-Replayed: true`, and creates nothing more. "
        "The same key with a different request answers 422. Keys are kept for 7 days, per user."
    ),
)


def _canonical(value):
    """The request data as comparable JSON: uploaded files count by their content."""
    if isinstance(value, UploadedFile):
        digest = fingerprint_of(*value.chunks())
        value.seek(0)
        return {"file": value.name, "sha256": digest}
    if hasattr(value, "lists"):  # QueryDict / MultiValueDict: keep every value
        return {k: [_canonical(v) for v in vs] for k, vs in sorted(value.lists())}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _fingerprint(request) -> str:
    body = json.dumps(_canonical(request.data), sort_keys=True, default=str)
    return fingerprint_of(request.method, request.path, body)


class _Discard(Exception):  # noqa: N818 (control flow: roll the claim back, answer this)
    def __init__(self, response: Response):
        self.response = response


def idempotent_create(handler: Callable) -> Callable:
    """Decorate a viewset's `create` (and other POSTs that create a record)."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:  # keys are kept per user
            return handler(self, request, *args, **kwargs)
        if not key_is_valid(key):
            raise ValidationError(
                {HEADER: [_("Send up to 255 visible ASCII characters (a UUID, for instance).")]}
            )
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                first = idempotency_claim(user=request.user, key=key, fingerprint=fingerprint)
                if first is not None:
                    raise _Discard(_replay(first, fingerprint))
                response = handler(self, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    idempotency_release(user=request.user, key=key)
                    return response
                body = json.loads(JSONRenderer().render(response.data) or b"null")
                idempotency_store(
                    user=request.user, key=key, status_code=response.status_code, body=body
                )
                return response
        except _Discard as answer:
            return answer.response

    wrapper.idempotent = True
    return wrapper


def _replay(first, fingerprint: str) -> Response:
    if first.fingerprint != fingerprint or not first.status_code:
        return Response(
            {"detail": str(REUSED_MESSAGE)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY
        )
    return Response(first.body, status=first.status_code, headers={REPLAYED_HEADER: "true"})
