"""The OpenAPI schema documents what the API really answers (DESIGN §9): the error responses every
operation can give, and the blank values that optional text fields hold."""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import append_meta
from rest_framework import serializers

ERROR_COMPONENT = "Error"
VALIDATION_ERROR_COMPONENT = "ValidationError"
ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong, in the caller's language.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Messages per request field (a list of strings, or the same structure for a nested "
        "object or list); `non_field_errors` for the request as a whole; `detail` when the body "
        "could not be read."
    ),
    "additionalProperties": {},
}
# Status codes any operation can answer besides its documented success: invalid input, no or a
# bad token, a role that may not act, a record that does not exist or is not the caller's (or a
# page past the end), and throttling.
ERROR_RESPONSES = {
    "400": ("Invalid input; nothing was changed.", VALIDATION_ERROR_COMPONENT),
    "401": ("No valid credentials (or the company's access is suspended).", ERROR_COMPONENT),
    "403": ("The caller's role may not do this.", ERROR_COMPONENT),
    "404": ("No such record for this caller, or no such page.", ERROR_COMPONENT),
    "429": ("Too many requests; retry after the time given.", ERROR_COMPONENT),
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def postprocess_error_responses(result, generator, request, public):
    """drf-spectacular hook: every operation documents its error responses and their bodies."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    schemas[VALIDATION_ERROR_COMPONENT] = VALIDATION_ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, (description, component) in ERROR_RESPONSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{component}"}
                            }
                        },
                    },
                )
    return result


IDEMPOTENCY_REUSED_RESPONSE = {
    "description": "The Idempotency-Key was already used with a different request.",
    "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
    },
}


class PortalAutoSchema(AutoSchema):
    """Fields are documented as they are returned. DRF drops `allow_blank` from read-only model
    fields and declared fields do not inherit `null` from their model field, so for read-only
    fields the model field also decides: text that may be blank allows "" (a blank choice is part
    of the enum; a blank link or e-mail address is allowed next to its format), and a field whose
    model field is nullable, or whose default is None, is nullable."""

    def _is_idempotent(self) -> bool:
        """A create that honours the `Idempotency-Key` header (core/api/idempotency.py)."""
        name = getattr(self.view, "action", None) or self.method.lower()
        return self.method == "POST" and getattr(
            getattr(self.view, name, None), "idempotent", False
        )

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_idempotent():
            from .idempotency import SCHEMA_PARAMETER

            parameters = [*parameters, SCHEMA_PARAMETER]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self._is_idempotent():
            responses.setdefault("422", IDEMPOTENCY_REUSED_RESPONSE)
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        model_field = _read_only_model_field(field)
        blank = getattr(field, "allow_blank", False) or (
            isinstance(model_field, (models.CharField, models.TextField)) and model_field.blank
        )
        if blank and isinstance(field, serializers.ChoiceField) and not field.allow_blank:
            field = copy.copy(field)
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not isinstance(schema, dict):
            return schema
        if blank and schema.get("format") in ("uri", "email"):
            meta = {k: schema.pop(k) for k in ("readOnly", "title", "description") if k in schema}
            schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}], **meta}
        nullable = field.default is None or getattr(model_field, "null", False)
        if nullable and not field.allow_null:
            schema = append_meta(schema, {"nullable": True})
        return schema


def _read_only_model_field(field) -> models.Field | None:
    """The model field a read-only serializer field shows directly, if any."""
    source = getattr(field, "source", None)
    if not field.read_only or not source or "." in source or source == "*":
        return None
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None:
        return None
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
    return model_field if isinstance(model_field, models.Field) else None
