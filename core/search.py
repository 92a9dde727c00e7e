"""The global search (DESIGN §8.1): a registry of providers, one per kind of record.

Core knows no domain: each app registers its providers in its `search.py` module (found by
`core.dashboard.autodiscover`) with `@search_provider(kind, label, order=...)`. A provider takes a
`SearchRequest` and returns at most `request.limit` `SearchHit`s, best first; it reads only through
the user's scope (`visible_to` / its app's selectors), so a search never finds more than the lists.

Speed at a million rows (DESIGN §10) is each provider's duty: every lookup goes through an index
(a trigram GIN index for `<%`, `LIKE '%…%'` and `ILIKE`; a b-tree for exact tax IDs and
numbers), and every fuzzy match is capped, unordered, before it is ranked (`CANDIDATES`), so that
the scan stops at the cap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Lookup, TextField
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 2
MAX_LENGTH = 100
# Each kind shows its best few in the header box, more on the full results page.
DROPDOWN_LIMIT = 5
PAGE_LIMIT = 20
# Rows a fuzzy match may gather before ranking: keeps a common word from sorting a million rows.
CANDIDATES = 200
# pg_trgm's threshold for `<%` (word similarity) in the search: a few typos in a name still match,
# a word shared by thousands of names (trading, 科技) alone does not.
WORD_SIMILARITY_THRESHOLD = 0.6


@dataclass(frozen=True)
class SearchRequest:
    """What a provider is asked: the cleaned text, for whom, how many hits, through which door
    ("page", "htmx" or "api": the audit of partner users' customer reads names it)."""

    user: Any
    text: str
    limit: int = DROPDOWN_LIMIT
    door: str = "page"

    @property
    def compact(self) -> str:
        """The text without spaces or punctuation, upper-case: how tax IDs and numbers compare."""
        return "".join(c for c in self.text if c.isalnum()).upper()

    @property
    def looks_like_code(self) -> bool:
        """Tax IDs (USCC 18 characters) and document numbers hold digits and no spaces."""
        return len(self.compact) >= 4 and any(c.isdigit() for c in self.compact)


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    subtitle: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class SearchProvider:
    kind: str
    label: Any  # a lazy translation
    search: Callable[[SearchRequest], list[SearchHit]]
    order: int = 100


@dataclass
class SearchGroup:
    kind: str
    label: Any
    hits: list[SearchHit] = field(default_factory=list)


_PROVIDERS: dict[str, SearchProvider] = {}


def search_provider(kind: str, label, *, order: int = 100) -> Callable:
    """Register `search(request) -> list[SearchHit]` as the provider of one kind of record."""

    def decorator(func: Callable[[SearchRequest], list[SearchHit]]) -> Callable:
        _PROVIDERS[kind] = SearchProvider(kind=kind, label=label, search=func, order=order)
        return func

    return decorator


def search_providers() -> list[SearchProvider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.kind))


def search_text_clean(raw: str | None) -> str:
    """The query as the providers take it (NFKC, trimmed, spaces collapsed), or a ValidationError
    that says what is wrong with it: empty, too short, too long, or holding control characters."""
    text = unicodedata.normalize("NFKC", raw or "")
    if any(unicodedata.category(c) == "Cc" for c in text.replace("\t", " ")):
        raise ValidationError(_("The search text holds control characters."), code="invalid")
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("Type what to search for."), code="required")
    if len(text) < MIN_LENGTH:
        raise ValidationError(
            _("Type at least %(min)d characters.") % {"min": MIN_LENGTH}, code="min_length"
        )
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            _("Type at most %(max)d characters.") % {"max": MAX_LENGTH}, code="max_length"
        )
    return text


def search(
    *, user, text: str, limit: int = DROPDOWN_LIMIT, door: str = "page"
) -> list[SearchGroup]:
    """Every registered provider's best hits for `text` (already cleaned), grouped by kind; kinds
    without a hit are left out. One query per provider, whatever the number of hits."""
    request = SearchRequest(user=user, text=text, limit=limit, door=door)
    groups = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The planner prices a trigram comparison like an equality and would rather scan a
            # table of 50,000 users than read its index; every provider's match has an index.
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
                " set_config('enable_seqscan', 'off', true)",
                [str(WORD_SIMILARITY_THRESHOLD)],
            )
        for provider in search_providers():
            hits = provider.search(request)[:limit]
            if hits:
                groups.append(SearchGroup(kind=provider.kind, label=provider.label, hits=hits))
    return groups


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TrigramContains(Lookup):
    """`field__trigram_contains=text`: `field ILIKE '%text%'`, which a `gin_trgm_ops` index
    serves (Django's `icontains` wraps both sides in UPPER(), which no trigram index serves)."""

    lookup_name = "trigram_contains"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [f"%{like_escape(str(value))}%"])


for _field in (CharField, TextField):  # EmailField and the rest inherit it
    _field.register_lookup(TrigramContains)


class EqualsAny(Lookup):
    """`lhs = ANY(rhs)`, rhs an array (e.g. an `ArraySubquery` of ids): unlike `IN (SELECT ...)`,
    an index condition, so it can join other conditions' bitmaps in an OR."""

    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
