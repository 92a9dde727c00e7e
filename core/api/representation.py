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

Reader = Callable[[Any], Any]  # a custom field's value of a row, as JSON


@dataclass(frozen=True)
class _Step:
    name: str
    path: str = ""  # the value's attribute path from the row ("" for a method or custom field)
    convert: Callable[[Any], Any] | None = None  # the field's to_representation (None: as read)
    method: str = ""  # a SerializerMethodField's method, called on the live serializer


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
    return _Step(field.field_name, ".".join(field.source_attrs), convert)


def _relation_step(field: drf_fields.Field, model) -> _Step | None:
    cls = type(field)
    if cls.__module__ != relations.__name__ or field.source == "*":
        return None
    if cls is relations.PrimaryKeyRelatedField and field.pk_field is None:
        # DRF reads the foreign key's column (`serializable_value`), never the related row.
        *path, last = field.source_attrs
        if path or model is None:
            return None
        return _Step(field.field_name, model._meta.get_field(last).attname)
    if cls is relations.SlugRelatedField:
        return _Step(field.field_name, ".".join(field.source_attrs), field.to_representation)
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
                steps.append(_Step(name))
                continue
            if isinstance(field, serializers.SerializerMethodField):
                steps.append(_Step(name, method=field.method_name))
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
        # A row is its keys in the fields' order, filled in four passes: the values as read (one
        # `attrgetter` of them all), the converted ones, the method fields, the custom ones.
        self._keys = dict.fromkeys(step.name for step in steps)
        plain = [step for step in steps if step.path and step.convert is None]
        self._plain_names = tuple(step.name for step in plain)
        self._read_plain = attrgetter(*(step.path for step in plain)) if plain else None
        if len(plain) == 1:
            read_one = self._read_plain
            self._read_plain = lambda row: (read_one(row),)
        self._converted = tuple(
            (step.name, attrgetter(step.path), step.convert)
            for step in steps
            if step.path and step.convert is not None
        )
        self._methods = tuple((step.name, step.method) for step in steps if step.method)
        self._custom = tuple(step.name for step in steps if not step.path and not step.method)

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
        data = self._keys.copy()
        if self._read_plain is not None:
            data.update(zip(self._plain_names, self._read_plain(row), strict=True))
        for name, read, convert in self._converted:
            value = read(row)
            # DRF answers None for a missing value without asking the field.
            data[name] = None if value is None else convert(value)
        for name, method in self._methods:
            data[name] = getattr(serializer, method)(row)
        for name in self._custom:
            data[name] = readers[name](row)
        return data
