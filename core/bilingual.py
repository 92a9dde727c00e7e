"""Names staff type in English and Chinese, shown in the reader's language (DESIGN §8, §9).

A catalogue model (a rebate programme, a course, a product) keeps its name in two columns: the
existing one (`name`, `title`) holds the English name and `<field>_zh` the Chinese one. Either
may be empty, never both. `BilingualName.display_name` answers in the active language and falls
back to the other language, so a name given only once still shows to everyone. The same choice
is made in SQL (`localized_expression`) for exports and in stored placeholders (`name_pair` →
`localized`) for text rendered later, such as statement line descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# CJK unified ideographs (with extension A) and compatibility ideographs.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

NAME_REQUIRED = _("Give the name in English or in Chinese (or both).")


def has_cjk(text: str | None) -> bool:
    """True when `text` holds Chinese characters (used to place names typed before there were two)."""
    return bool(text and _CJK.search(text))


def reads_chinese(language: str | None = None) -> bool:
    """Whether the language (default: the active one) is Chinese."""
    return (language or translation.get_language() or "").lower().startswith("zh")


def localized(english: str | None, chinese: str | None, language: str | None = None) -> str:
    """The name in the reader's language, else the one that was given."""
    first, second = (chinese, english) if reads_chinese(language) else (english, chinese)
    return (first or "").strip() or (second or "").strip()


def localized_value(value: Any, language: str | None = None) -> Any:
    """A stored placeholder: a `{"en": …, "zh": …}` pair becomes its name in the reader's language;
    anything else is returned as it is."""
    if isinstance(value, Mapping) and ("en" in value or "zh" in value) and len(value) <= 2:
        return localized(value.get("en"), value.get("zh"), language)
    return value


def localized_expression(field: str, language: str | None = None) -> Coalesce:
    """SQL for `display_name` over `field` and `<field>_zh` (a path like `programme__name` works)."""
    english, chinese = F(field), F(f"{field}_zh")
    first, second = (chinese, english) if reads_chinese(language) else (english, chinese)
    return Coalesce(NullIf(first, Value("")), second, output_field=models.CharField())


def bilingual_errors(field: str, english: str | None, chinese: str | None) -> dict[str, list]:
    """Field-level errors when neither name is given (both fields carry the message)."""
    if (english or "").strip() or (chinese or "").strip():
        return {}
    return {field: [NAME_REQUIRED], f"{field}_zh": [NAME_REQUIRED]}


def bilingual_given(field: str, name: str) -> models.CheckConstraint:
    """The database side of "at least one name" for `field` and `<field>_zh`."""
    return models.CheckConstraint(
        name=name,
        condition=~Q(**{field: ""}) | ~Q(**{f"{field}_zh": ""}),
        violation_error_message=NAME_REQUIRED,
    )


class BilingualName:
    """Mixin for a model with an English `<bilingual_field>` and a Chinese `<bilingual_field>_zh`.

    Place it before `models.Model`; `clean()` requires one of the two (field-level messages).
    """

    bilingual_field = "name"

    @property
    def name_en(self) -> str:
        return getattr(self, self.bilingual_field) or ""

    @property
    def name_zh_value(self) -> str:
        return getattr(self, f"{self.bilingual_field}_zh") or ""

    @property
    def display_name(self) -> str:
        """The name in the active language, else in the other one."""
        return localized(self.name_en, self.name_zh_value)

    def name_pair(self) -> dict[str, str]:
        """Both names, to store as a placeholder rendered later in the reader's language."""
        return {"en": self.name_en, "zh": self.name_zh_value}

    def clean(self) -> None:
        super().clean()  # type: ignore[misc]
        field = self.bilingual_field
        for name in (field, f"{field}_zh"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, value.strip())
        if errors := bilingual_errors(field, self.name_en, self.name_zh_value):
            raise ValidationError(errors)
