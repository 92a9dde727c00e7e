"""The list framework's building blocks: names that find codes, the capped count."""

import pytest

from core.filters import codes_matching
from core.lists import capped_count, capped_counts
from deals.models import Deal
from partners.regions import REGIONS
from tests.deals.factories import DealFactory


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("CN-SH", ["CN-SH"]),
        ("cn-sh", ["CN-SH"]),
        ("Shanghai", ["CN-SH"]),
        ("上海", ["CN-SH"]),
        ("hong kong", ["HK"]),
        ("香港", ["HK"]),
        ("", []),
        ("Atlantis", []),
    ],
)
def test_codes_matching_code_or_name_in_both_languages(typed, codes):
    assert codes_matching(REGIONS, typed) == codes


@pytest.mark.django_db
def test_capped_count_stops_after_the_cap():
    for _ in range(4):
        DealFactory()
    rows = Deal.objects.unrestricted("test")
    assert capped_count(rows, cap=2) == 3
    assert capped_count(rows, cap=10) == 4


@pytest.mark.django_db
def test_capped_counts_count_each_queryset_in_one_statement(django_assert_num_queries):
    first = DealFactory(project_name="Counted A")
    for _ in range(3):
        DealFactory()
    rows = Deal.objects.unrestricted("test")

    with django_assert_num_queries(1):
        counts = capped_counts(
            {
                "all": rows,
                "one": rows.filter(pk=first.pk),
                "none": rows.none(),
                "params": rows.filter(project_name="Counted A"),
            },
            cap=2,
        )

    assert counts == {"all": 3, "one": 1, "none": 0, "params": 1}


@pytest.mark.django_db
def test_the_planners_estimate_far_above_the_cap_spares_the_count(
    monkeypatch, django_assert_num_queries
):
    from core import lists

    for _ in range(3):
        DealFactory()
    rows = Deal.objects.unrestricted("test").order_by("-pk")
    assert lists.estimated_count(rows) >= 0
    assert lists.estimated_count(rows.none()) == 0
    # when the planner expects far more rows than the cap, no row is counted
    monkeypatch.setattr(lists, "estimated_count", lambda qs: lists.ESTIMATE_TRUSTED_ABOVE + 1)
    with django_assert_num_queries(0):
        assert lists.list_count(rows, cap=2) == 3
    # otherwise the capped count answers exactly
    monkeypatch.setattr(lists, "estimated_count", lambda qs: 1)
    assert lists.list_count(rows, cap=10) == 3


@pytest.mark.django_db
def test_deferred_rows_are_the_same_page_in_the_same_order():
    from django.http import QueryDict

    from core.lists import paginate_list

    for n in range(7):
        DealFactory(project_name=f"P{n}")
    rows = Deal.objects.unrestricted("test").select_related("partner").order_by("project_name")
    rows = rows.order_by("-project_name", "-pk")
    for query in ("size=25", "size=25&page=2"):
        plain = paginate_list(rows, QueryDict(query))
        deferred = paginate_list(rows, QueryDict(query), deferred=True)
        assert [d.pk for d in deferred] == [d.pk for d in plain]
        assert (deferred.count, deferred.next_query) == (plain.count, plain.next_query)


@pytest.mark.parametrize("multiple", [False, True])
def test_fast_choice_widgets_write_what_djangos_templates_write(multiple):
    import re

    from django import forms

    from core.fast_widgets import fast_widget_class

    widget_class = forms.CheckboxSelectMultiple if multiple else forms.Select
    choices = [("", "any"), ("a&b", "A & <B>"), ("c", "C")]
    value = ["a&b"] if multiple else "a&b"

    def html(cls) -> str:
        rendered = cls(choices=choices).render("f", value, {"id": "id_f"})
        return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", str(rendered)))

    assert html(fast_widget_class(widget_class)) == html(widget_class)
