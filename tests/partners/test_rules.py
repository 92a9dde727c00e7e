import pytest

from partners.rules import credit_code_check_char, is_valid_credit_code


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110108551385082Q", "91440300708461136T"],
)
def test_published_credit_codes_are_valid(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check digit
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100I000100Y43",  # I is not in the alphabet
        "9135010OM000100Y43",  # nor is O
    ],
)
def test_malformed_credit_codes_are_refused(code):
    assert not is_valid_credit_code(code)


def test_check_char_wraps_31_to_zero():
    # given a prefix whose weighted sum is a multiple of 31
    prefix = "0" * 17
    # then the check character is "0", not an out-of-range index
    assert credit_code_check_char(prefix) == "0"
