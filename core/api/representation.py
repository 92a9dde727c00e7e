"""A serializer's representation of many rows, without DRF's per-field, per-request machinery.

A `ModelSerializer` builds its fields (`get_field_kwargs` for each model field, a deep copy of the
declared ones) on every request, then reads every value of every row through `Field.get_attribute`
and `to_representation`. A long list pays that thousands of times. `ReadPlan` reads the
serializer's own fields once per process and keeps, for each, how its value is reached (a plain
attribute path) and which field turns it into JSON (the field's own `to_representation`): the
representation stays declared in one place, the serializer, and a row costs a few lookups per
field. The answer is the one `serializer.to_representation` gives, field for field, in order.

Only fields whose value needs nothing but the row are planned: DRF's own value fields and its
primary-key and slug relations. A `SerializerMethodField` calls the method of the live serializer
(so it sees the request's context); nested serializers and custom fields must be given a reader by
the caller (`readers`), or building the plan fails — a new field is never silently misread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

# A value field of DRF's own whose `to_representation` depends on the value alone.
PLAIN_FIELDS = (
    drf_fields.BooleanField,
    drf_fields.CharField,  # and EmailField, SlugField, URLField, ...
    drf_fields.ChoiceField,
    drf_fields.DateField,
    drf_fields.DateTimeField,
    drf_fields.DecimalField,
    drf_fields.FloatField,
    drf_fields.IntegerField,
    drf_fields.UUIDField,
)

Reader = Callable[[Any], Any]


@dataclass(frozen=True)
class _Step:
    name: str
    read: Reader | None  # the value, from the row (None for a method field)
    convert: Callable[[Any], Any] | None  # the field's to_representation (None: as read)
    method: str = ""  # a SerializerMethodField's method, called on the live serializer
    custom: bool = False  # read (and converted) by a reader the caller gives


# DRF value fields whose `to_representation` gives back the value itself (an equal value, the same
# JSON) when it has the Python type of the model column it reads: `str(value)`, `int(value)`, a
# bool for a bool, the choice of that value. A row's value of such a column needs no conversion.
IDENTITY_FOR_COLUMNS = {
    drf_fields.CharField: (models.CharField, models.TextField),
    drf_fields.EmailField: (models.CharField, models.TextField),
    drf_fields.ChoiceField: (models.CharField, models.TextField),
    drf_fields.BooleanField: (models.BooleanField,),
    drf_fields.IntegerField: (models.IntegerField,),
}


def _column(model, attrs: list[str]):
    """The model field `attrs` ends on (following foreign keys), or None for anything else."""
    field = None
    for attr in attrs:
        if model is None:
            return None
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        model = field.related_model if field.many_to_one else None
    return field if field is not None and field.concrete else None


def _plain_step(field: drf_fields.Field, model) -> _Step | None:
    cls = type(field)
    if cls.get_attribute is not drf_fields.Field.get_attribute:
        return None
    if not (isinstance(field, PLAIN_FIELDS) and cls.__module__ == drf_fields.__name__):
        return None
    column = _column(model, field.source_attrs)
    same = column is not None and isinstance(column, IDENTITY_FOR_COLUMNS.get(cls, ()))
    convert = None if same else field.to_representation
    return _Step(field.field_name, attrgetter(".".join(field.source_attrs)), convert)


def _relation_step(field: drf_fields.Field, model) -> _Step | None:
    cls = type(field)
    if cls.__module__ != relations.__name__ or field.source == "*":
        return None
    if cls is relations.PrimaryKeyRelatedField and field.pk_field is None:
        # DRF reads the foreign key's column (`serializable_value`), never the related row.
        *path, last = field.source_attrs
        if path or model is None:
            return None
        return _Step(field.field_name, attrgetter(model._meta.get_field(last).attname), None)
    if cls is relations.SlugRelatedField:
        return _Step(
            field.field_name, attrgetter(".".join(field.source_attrs)), field.to_representation
        )
    return None


class ReadPlan:
    """How `serializer_class` represents one row, read once from its fields (see the module)."""

    _plans: dict[tuple[type, frozenset[str]], ReadPlan] = {}

    def __init__(self, serializer_class: type[serializers.Serializer], custom: Iterable[str]):
        custom = set(custom)
        prototype = serializer_class()
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        steps = []
        for field in prototype._readable_fields:
            name = field.field_name
            if name in custom:
                steps.append(_Step(name, None, None, custom=True))
                continue
            if isinstance(field, serializers.SerializerMethodField):
                steps.append(_Step(name, None, None, method=field.method_name))
                continue
            step = _plain_step(field, model) or _relation_step(field, model)
            if step is None:
                raise ImproperlyConfigured(
                    f"{serializer_class.__name__}.{name} ({type(field).__name__}) needs a reader."
                )
            steps.append(step)
        unknown = custom - {step.name for step in steps}
        if unknown:
            raise ImproperlyConfigured(f"{serializer_class.__name__} has no field {unknown}.")
        self.steps = tuple(steps)

    @classmethod
    def of(cls, serializer_class: type[serializers.Serializer], custom: Iterable[str] = ()):
        """The plan of `serializer_class`, built on first use; `custom` names the fields the
        caller reads itself."""
        key = (serializer_class, frozenset(custom))
        plan = cls._plans.get(key)
        if plan is None:
            plan = cls._plans[key] = cls(serializer_class, key[1])
        return plan

    def represent(
        self,
        row: Any,
        *,
        serializer: serializers.Serializer | None = None,
        readers: dict[str, Reader] | None = None,
    ) -> dict[str, Any]:
        """`row` as `serializer.to_representation(row)` gives it, before any override of it.
        `serializer` answers the method fields, `readers` the custom ones (already converted)."""
        data = {}
        for step in self.steps:
            if step.read is not None:
                value = step.read(row)
                if value is not None and step.convert is not None:
                    value = step.convert(value)
            elif step.method:
                value = getattr(serializer, step.method)(row)
            else:
                value = readers[step.name](row)
            data[step.name] = value
        return data
