"""The one display form of money and rates (DESIGN §9): pages, e-mails, CSV display columns, PDFs."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.money import format_money, format_percent


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1307000", "CNY", "CNY 1,307,000.00"),
        ("1234.56", "CNY", "CNY 1,234.56"),
        ("-1234.565", "CNY", "CNY -1,234.57"),
        ("1234567.5", "JPY", "JPY 1,234,568"),
        ("-12", "JPY", "JPY -12"),
        ("1234.5", "KWD", "KWD 1,234.500"),
        ("-0.0004", "KWD", "KWD 0.000"),
        ("-0.004", "CNY", "CNY 0.00"),
        ("-0", "CNY", "CNY 0.00"),
    ],
)
def test_format_money_minor_units_separators_sign(amount, currency, expected):
    assert format_money(Decimal(amount), currency) == expected


def test_format_money_none_is_a_dash():
    assert format_money(None, "CNY") == "—"


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("0.05", "5.00 %"), ("0.0600", "6.00 %"), ("0", "0.00 %"), ("0.125", "12.50 %")],
)
def test_format_percent(rate, expected):
    assert format_percent(Decimal(rate)) == expected


def test_format_percent_none_is_a_dash():
    assert format_percent(None) == "—"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_template_filters_render_the_same_in_both_languages(language):
    template = Template(
        "{% load money %}{{ a|money:'CNY' }}|{{ j|money:'JPY' }}|{{ k|money:'KWD' }}|"
        "{{ n|money:'CNY' }}|{{ none|money:'CNY' }}|{{ r|percent }}|{{ a|money:cur }}"
    )
    context = Context(
        {
            "a": Decimal("450000"),
            "j": Decimal("98765"),
            "k": Decimal("-1.2345"),
            "n": Decimal("-0.001"),
            "none": None,
            "r": Decimal("0.0500"),
            "cur": "",
        }
    )
    with translation.override(language):
        rendered = template.render(context)
    assert rendered == ("CNY 450,000.00|JPY 98,765|KWD -1.235|CNY 0.00|—|5.00 %|450,000.00")
