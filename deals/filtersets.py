"""The filters and sortable columns of the deal lists: one definition for the page, the API and
the export (DESIGN §8.1)."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import (
    AmountRangeFilter,
    CodeOrNameFilter,
    DateRangeFilter,
    ListFilterSet,
    MultiChoiceFilter,
    SortFilter,
    YesNoFilter,
    text_search,
)
from core.money import CURRENCY_CHOICES
from core.search import EqualsAny
from partners.models import Partner
from partners.regions import REGIONS

from .choices import (
    AVAILABLE_LEAD_STATUSES,
    PENDING_STATUSES,
    DealStatus,
    LeadOfferStatus,
    LeadStatus,
    PriceLevel,
)
from .models import (
    Bigrams,
    Deal,
    DealLine,
    Lead,
    LeadOffer,
    PriceListEntry,
    Product,
    ProductFamily,
)
from .rules import normalize_customer_name


@extend_schema_field(OpenApiTypes.DECIMAL)
def _deal_amount_between(qs: QuerySet, _name: str, value) -> QuerySet:
    """Registrations whose registered lines (quantity × unit price) add up to within the range."""
    if not value or (value.start is None and value.stop is None):
        return qs
    totals = (
        DealLine.objects.unrestricted("narrows an already scoped list of deals")
        .filter(final=False)
        .values("deal_id")
        .annotate(
            total=Sum(
                ExpressionWrapper(
                    F("quantity") * F("unit_price"),
                    output_field=DecimalField(max_digits=20, decimal_places=2),
                )
            )
        )
    )
    if value.start is not None:
        totals = totals.filter(total__gte=value.start)
    if value.stop is not None:
        totals = totals.filter(total__lte=value.stop)
    return qs.filter(pk__in=totals.values("deal_id"))


class DealFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method=text_search(["customer_name", "project_name"], exact=["customer_tax_id"]),
    )
    status = MultiChoiceFilter(label=_("Status"), choices=DealStatus.choices)
    region = CodeOrNameFilter(label=_("Region"), field_name="customer_region", choices=REGIONS)
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    created = DateRangeFilter(label=_("Created"), field_name="created_at")
    expected_close = DateRangeFilter(
        label=_("Expected close date"), field_name="expected_close_date"
    )
    amount = AmountRangeFilter(label=_("Amount"), method=_deal_amount_between)
    sla_breached = YesNoFilter(label=_("SLA breached"), method="filter_sla_breached")
    cross_region = YesNoFilter(label=_("Cross-region"))
    in_conflict = YesNoFilter(label=_("In conflict"), method="filter_in_conflict")
    sort = SortFilter(
        fields=(
            ("created_at", "created"),
            ("project_name", "project"),
            ("customer_name", "customer"),
            ("partner__legal_name", "partner"),
            ("customer_region", "region"),
            ("status", "status"),
            ("expected_close_date", "expected_close"),
        ),
        default="-created",
    )

    class Meta:
        model = Deal
        fields: list[str] = []

    def get_form_class(self):
        """The filter form's class, built once: these filters are the same for every reader and
        every request (django-filter builds the class, and a form field per filter, on each; the
        form itself still copies its fields). Labels and choices stay lazy, in the reader's
        language."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = cls._form_class = super().get_form_class()
        return form_class

    def filter_sla_breached(self, qs: QuerySet, _name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        breached = {"status__in": PENDING_STATUSES, "sla_due_at__lt": timezone.now()}
        return qs.filter(**breached) if value else qs.exclude(**breached)

    def filter_in_conflict(self, qs: QuerySet, _name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        return (
            qs.filter(status=DealStatus.IN_CONFLICT)
            if value
            else qs.exclude(status=DealStatus.IN_CONFLICT)
        )


class LeadFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method=text_search(["customer_name", "project_name"], exact=["customer_tax_id"]),
    )
    status = MultiChoiceFilter(label=_("Status"), choices=LeadStatus.choices)
    region = CodeOrNameFilter(label=_("Region"), field_name="customer_region", choices=REGIONS)
    partner = django_filters.CharFilter(
        label=_("Accepted by"), field_name="accepted_partner__legal_name", lookup_expr="icontains"
    )
    published = DateRangeFilter(label=_("Published"), field_name="published_at")
    value = AmountRangeFilter(label=_("Estimated value"), field_name="estimated_value")
    sort = SortFilter(
        fields=(
            ("published_at", "published"),
            ("project_name", "project"),
            ("customer_name", "customer"),
            ("customer_region", "region"),
            ("status", "status"),
            ("estimated_value", "value"),
        ),
        default="-published",
    )

    class Meta:
        model = Lead
        fields: list[str] = []


# The partner's lead list shows its open offers unless all are asked (`?show=all`).
OFFER_SHOW_CHOICES = (("open", _("Open offers only")), ("all", _("All offers")))


class LeadOfferFilterSet(ListFilterSet):
    """The leads offered to the reader's company (DESIGN §4.6): the partner's lead page, its
    export and the partner's `GET /api/v1/leads/`."""

    show = django_filters.ChoiceFilter(
        label=_("Show"), choices=OFFER_SHOW_CHOICES, method="filter_show", empty_label=None
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method=text_search(
            ["lead__customer_name", "lead__project_name"], exact=["lead__customer_tax_id"]
        ),
    )
    status = MultiChoiceFilter(label=_("Answer"), choices=LeadOfferStatus.choices)
    region = CodeOrNameFilter(
        label=_("Region"), field_name="lead__customer_region", choices=REGIONS
    )
    exclusive = YesNoFilter(label=_("Exclusive offer"), field_name="exclusive")
    offered = DateRangeFilter(label=_("Offered"), field_name="offered_at")
    value = AmountRangeFilter(label=_("Estimated value"), field_name="lead__estimated_value")
    sort = SortFilter(
        fields=(
            ("offered_at", "offered"),
            ("lead__project_name", "project"),
            ("lead__customer_name", "customer"),
            ("lead__customer_region", "region"),
            ("lead__estimated_value", "value"),
            ("status", "status"),
        ),
        default="-offered",
    )

    class Meta:
        model = LeadOffer
        fields: list[str] = []

    def filter_show(self, qs: QuerySet, _name: str, value: str) -> QuerySet:
        """Open: offers not answered yet of leads still to be taken."""
        if value != "open":
            return qs
        return qs.filter(status=LeadOfferStatus.OFFERED, lead__status__in=AVAILABLE_LEAD_STATUSES)


# --- the approval queue ----------------------------------------------------------------------
# The queue's flags: each one a condition on a pending registration, counted in one aggregate.
QUEUE_FLAGS = {
    "conflicts": (_("Conflicts"), lambda now: Q(status=DealStatus.IN_CONFLICT)),
    "breached": (_("SLA breached"), lambda now: Q(sla_due_at__lt=now)),
    "cross_region": (_("Cross-region"), lambda now: Q(cross_region=True)),
    "below_floor": (
        _("Below floor or price held"),
        lambda now: Q(below_floor=True) | Q(price_check_held=True),
    ),
}

QUEUE_DEFAULT_SORT = "sla_due"
# A search matching more pending registrations than this (公司, 有限: most customers' names) is
# filtered in place, the queue walked in its order, and its tabs counted up to the cap.
QUEUE_SEARCH_GATHER_MAX = 20_000


class IdsIn(Func):
    """`id = ANY('{…}'::bigint[])`: the ids as one array literal, which PostgreSQL reads at once
    (an `ARRAY[…]` of 10,000 elements is planned element by element: 18 ms)."""

    output_field = BooleanField()
    template = "%(expressions)s = ANY(%%s::bigint[])"
    arity = 1

    def __init__(self, ids: list[int]):
        self.ids = "{" + ",".join(str(int(i)) for i in ids) + "}"
        super().__init__(F("pk"))

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql, [*params, self.ids]


def queue_flag_q(flag: str, *, now=None) -> Q:
    return QUEUE_FLAGS[flag][1](now or timezone.now())


def _trigram_indexed(pattern: str) -> bool:
    """Whether a trigram index can look up `LIKE '%pattern%'`: pg_trgm finds no trigram in a word
    shorter than three letters or digits between the wildcards ("ab", "a b"), and then reads
    every entry of the index."""
    return any(len(word) >= 3 for word in re.findall(r"[^\W_]+", pattern))


def _bigram_indexed(pattern: str) -> bool:
    """A two-character pattern (上海, 华为) is looked up by its bigram instead."""
    return len(pattern) == 2


def _indexed(pattern: str) -> bool:
    return _trigram_indexed(pattern) or _bigram_indexed(pattern)


def queue_search_indexed(text: str) -> bool:
    """Whether every part of `queue_search_q(text)` is looked up in an index."""
    text = text.strip()
    fingerprint = normalize_customer_name(text)
    return _indexed(text) and (not fingerprint or _indexed(fingerprint))


class HasBigram(Func):
    """`bigrams @> ARRAY[pair]`: the pair is one of the text's bigrams."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        bigrams, bigram_params = compiler.compile(self.source_expressions[0])
        pair, pair_params = compiler.compile(self.source_expressions[1])
        return f"{bigrams} @> ARRAY[{pair}]", [*bigram_params, *pair_params]


def _contains_q(field: str, text: str, *, any_case: bool = True) -> Q:
    """`field` contains `text` (in any case: as `icontains` compares). A two-character text is
    one of the field's bigrams exactly when the field contains it: asked so, the `deals_bigrams`
    indexes answer alone (nothing to recompute row by row)."""
    if not _bigram_indexed(text):
        return Q(**{f"{field}__{'icontains' if any_case else 'contains'}": text})
    column, pair = (Upper(field), Upper(Value(text))) if any_case else (F(field), Value(text))
    return Q(HasBigram(Bigrams(column), pair))


def queue_search_q(text: str) -> Q:
    """Customer, project or partner by a part of its name, the customer's tax ID, or the number.

    Every alternative is a condition on the registration itself, each served by an index (the
    pending-only trigram, bigram and tax ID indexes, the partner key), so PostgreSQL ORs their
    bitmaps: the partner is matched by name first, as an array of ids
    (`partner_id = ANY(ARRAY(...))`), not through the join, which made it read the whole queue."""
    text = text.strip()
    partners = (
        Partner.objects.unrestricted("names partners to narrow an already scoped queue")
        .filter(legal_name__icontains=text)
        .order_by()
        .values("pk")
    )
    found = (
        _contains_q("customer_name", text)
        | _contains_q("project_name", text)
        | Q(EqualsAny(F("partner_id"), ArraySubquery(partners)))
        | Q(customer_tax_id__iexact=text)
    )
    fingerprint = normalize_customer_name(text)
    if fingerprint:
        # Spelled differently (full-width, another legal form): the §4.2 normalisation matches.
        found |= _contains_q("customer_fingerprint", fingerprint, any_case=False)
    if text.lstrip("#").isdigit():
        found |= Q(pk=int(text.lstrip("#")))
    return found


class DealQueueFilterSet(ListFilterSet):
    """The approval queue (DESIGN §4.3, §8.1): SLA due first unless another column is chosen; the
    flag comes from the queue's tabs (each with its count)."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Customer, project, partner, tax ID or number"),
            }
        ),
    )
    flag = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=[(key, label) for key, (label, _q) in QUEUE_FLAGS.items()],
        method="filter_flag",
        widget=forms.HiddenInput,
    )
    partner = django_filters.CharFilter(
        label=_("Partner"), field_name="partner__legal_name", lookup_expr="icontains"
    )
    submitted = DateRangeFilter(label=_("Submitted"), field_name="submitted_at")
    sort = SortFilter(
        fields=(
            ("sla_due_at", "sla_due"),
            ("submitted_at", "submitted"),
            ("customer_name", "customer"),
            ("partner__legal_name", "partner"),
            ("project_name", "project"),
        ),
        default=QUEUE_DEFAULT_SORT,
    )

    search_ids: list[int] | None = None  # the matches of a search, when gathered

    class Meta:
        model = Deal
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A search its indexes answer gathers its matches first (one bitmap over them), then
        sorts and pages them: filtered in place, PostgreSQL may walk the whole queue in SLA order
        looking for them, when the planner, from every registration's statistics, expects many
        (900 ms for a word common among decided registrations and absent from the queue). The
        gathered ids are kept (`search_ids`) for the queue's tabs, so the search runs once. A
        search no index answers (one character, "a b"), or one most of the queue matches (more
        than `QUEUE_SEARCH_GATHER_MAX`: 公司, 有限), is filtered in place: walking in order then
        finds a page soonest."""
        if not value.strip():
            return queryset
        if not queue_search_indexed(value):
            return queryset.filter(queue_search_q(value))
        # The matches' ids are read once; the page, the pager and the tabs all take them.
        matches = queryset.filter(queue_search_q(value)).order_by().values_list("pk", flat=True)
        ids = list(matches[: QUEUE_SEARCH_GATHER_MAX + 1])
        if len(ids) > QUEUE_SEARCH_GATHER_MAX:
            return queryset.filter(queue_search_q(value))
        self.search_ids = ids
        return queryset.filter(IdsIn(ids))

    def filter_flag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(queue_flag_q(value)) if value else queryset


class PriceListFilterSet(ListFilterSet):
    """The products' price lists (DESIGN §4.4): by SKU or name, family and currency."""

    q = django_filters.CharFilter(label=_("SKU or name"), method=text_search(["sku", "name"]))
    family = django_filters.ModelMultipleChoiceFilter(
        label=_("Family"), queryset=ProductFamily.objects.all()
    )
    currency = MultiChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    sort = SortFilter(
        fields=(
            ("sku", "sku"),
            ("name", "name"),
            ("family__name", "family"),
            ("list_price", "guide"),
            ("floor_price", "floor"),
        ),
        default="sku",
    )

    class Meta:
        model = Product
        fields: list[str] = []


class PriceListEntryFilterSet(django_filters.FilterSet):
    """Price list entries in the API: by product (id or SKU), level, tier and the day they hold."""

    product = django_filters.NumberFilter(field_name="product_id")
    sku = django_filters.CharFilter(field_name="product__sku")
    level = django_filters.ChoiceFilter(choices=PriceLevel.choices)
    tier = django_filters.CharFilter(field_name="tier__code")
    effective_on = django_filters.DateFilter(method="filter_effective_on", label=_("Effective on"))

    class Meta:
        model = PriceListEntry
        fields: list[str] = []

    def filter_effective_on(self, queryset: QuerySet, _name: str, value) -> QuerySet:
        return queryset.filter(
            Q(valid_from__lte=value) & (Q(valid_to__isnull=True) | Q(valid_to__gt=value))
        )
