"""Money: Decimal only, ISO 4217 minor units, ROUND_HALF_UP in exactly one place (DESIGN §5.4)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies the portal trades in.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "HKD": 2,
    "SGD": 2,
    "GBP": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
}
CURRENCY_CHOICES = [(code, code) for code in MINOR_UNITS]


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError as exc:
        raise ValueError(f"Unknown currency {currency!r}") from exc


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, halves away from zero (ROUND_HALF_UP)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"Money must be Decimal, got {type(amount).__name__}")
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None, currency: str) -> str:
    """The one display form of an amount (DESIGN §9): "CNY 1,307,000.00", "JPY 1,235",
    "KWD -12.500". The currency's minor units, thousands separators, a minus sign on negatives and
    never "-0.00" (a zero is a zero). Display only: CSV data columns and the API keep raw values."""
    if amount is None or amount == "":
        return "—"
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    places = minor_units(currency)
    rounded = round_money(amount, currency)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{currency} {rounded:,.{places}f}"


def format_percent(rate: Decimal | None, places: int = 2) -> str:
    """A rate held as a fraction shown as a percentage: Decimal("0.05") → "5.00 %"."""
    if rate is None or rate == "":
        return "—"
    if not isinstance(rate, Decimal):
        rate = Decimal(str(rate))
    value = (rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)
    return f"{value:,.{places}f} %"
