from decimal import Decimal

import pytest

from core.fx import FxRateMissing, fx_convert, fx_rate
from core.models import FxRate
from core.money import format_money, round_money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "CNY", "0.01"),
        ("0.015", "USD", "0.02"),
        ("-0.005", "EUR", "-0.01"),
        ("2.5", "JPY", "3"),
        ("1.0005", "KWD", "1.001"),
        ("1.0004", "KWD", "1.000"),
    ],
)
def test_round_money_is_half_up_to_minor_units(amount, currency, expected):
    assert round_money(Decimal(amount), currency) == Decimal(expected)


def test_round_money_refuses_float():
    with pytest.raises(TypeError):
        round_money(0.1, "CNY")  # type: ignore[arg-type]


def test_format_money():
    assert format_money(Decimal("1234567.891"), "CNY") == "CNY 1,234,567.89"
    assert format_money(Decimal("1234.5"), "JPY") == "JPY 1,235"


@pytest.mark.django_db
def test_fx_uses_latest_rate_on_or_before_date_and_inverse_and_cross():
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2026-09-01", rate=Decimal("7.0")
    )
    FxRate.objects.create(
        base_currency="USD", quote_currency="CNY", rate_date="2026-09-30", rate=Decimal("7.2")
    )
    FxRate.objects.create(
        base_currency="EUR", quote_currency="CNY", rate_date="2026-09-30", rate=Decimal("8.0")
    )
    import datetime

    assert fx_rate("USD", "CNY", datetime.date(2026, 9, 15)) == Decimal("7.0")
    assert fx_convert(Decimal("100"), "USD", "CNY", datetime.date(2026, 10, 1)) == Decimal("720.0")
    assert fx_rate("CNY", "USD", datetime.date(2026, 9, 30)) == Decimal(1) / Decimal("7.2")
    assert fx_rate("EUR", "USD", datetime.date(2026, 9, 30)) == Decimal("8.0") * (
        Decimal(1) / Decimal("7.2")
    )
    with pytest.raises(FxRateMissing):
        fx_rate("USD", "CNY", datetime.date(2026, 1, 1))


def test_quarter_bounds_and_navigation():
    import datetime

    from core.periods import Quarter

    q = Quarter.parse("2026q3")
    assert (q.start, q.end) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert str(q.next()) == "2026Q4" and str(Quarter.parse("2026Q1").previous()) == "2025Q4"
    assert Quarter.containing(datetime.date(2026, 12, 31)) == Quarter(2026, 4)
    with pytest.raises(ValueError):
        Quarter.parse("2026Q5")


def test_business_days_skip_weekends():
    import datetime

    from core.business_days import add_business_days

    friday = datetime.date(2026, 11, 20)
    assert add_business_days(friday, 2) == datetime.date(2026, 11, 24)
