from __future__ import annotations

import pytest

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.people import bsuid, is_bsuid, normalize_wa_id, typed_phone


@pytest.mark.parametrize(
    "raw", ["+1 (631) 555-1234", "16315551234", "+1-631-555-1234", " 1 631 555 1234 "]
)
def test_phone_numbers_normalize_to_e164_digits(raw: str) -> None:
    assert normalize_wa_id(raw) == "16315551234"


@pytest.mark.parametrize("raw", ["", "abc", "+12", "1" * 16, "+44 7700 \uff1900123"])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidParameter):
        normalize_wa_id(raw)


def test_bsuid_is_country_dot_digits_stable_per_business_and_differs_between() -> None:
    first = bsuid("business-a", "16315551234")
    assert first.startswith("US.") and first[3:].isdigit() and is_bsuid(first)
    assert bsuid("business-a", "16315551234") == first
    assert bsuid("business-b", "16315551234") != first
    assert bsuid("business-a", "447700900123").startswith("GB.")


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("0044 20 7946 0958", "442079460958"),
        ("+44 20 7946 0958", "442079460958"),
        ("00 1 (631) 555-1234", "16315551234"),
        ("16315551234", "16315551234"),
    ],
)
def test_typed_numbers_take_the_international_prefix(typed: str, digits: str) -> None:
    assert typed_phone(typed) == digits


@pytest.mark.parametrize("typed", ["+999 123 456 789", "+00442079460958", "+44 20 79", "0044"])
def test_typed_numbers_no_country_allows_are_refused(typed: str) -> None:
    with pytest.raises(InvalidParameter):
        typed_phone(typed)
