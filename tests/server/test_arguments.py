"""Property tests of the argument validators: they accept exactly what they document, and every
refusal says what to fix."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from voice_tools.server.shared.arguments import (
    ISO_COUNTRIES,
    AddressSid,
    AreaCode,
    Contains,
    Country,
    NumberText,
)

country, area_code, contains = TypeAdapter(Country), TypeAdapter(AreaCode), TypeAdapter(Contains)
number_text, address_sid = TypeAdapter(NumberText), TypeAdapter(AddressSid)


@given(st.text(max_size=4))
def test_country_accepts_exactly_iso_codes_in_any_case(text: str) -> None:
    if text.strip().upper() in ISO_COUNTRIES:
        assert country.validate_python(text) == text.strip().upper()
    else:
        with pytest.raises(ValidationError, match=r"ISO 3166|use GB"):
            country.validate_python(text)


def test_the_country_list_is_iso_3166() -> None:
    assert len(ISO_COUNTRIES) == 249 and {"US", "GB", "IE", "DE", "AU", "CA"} <= ISO_COUNTRIES
    assert "UK" not in ISO_COUNTRIES and "EU" not in ISO_COUNTRIES


@given(st.text(max_size=5))
def test_area_codes_are_three_digits_not_starting_with_0_or_1(text: str) -> None:
    if re.fullmatch(r"[2-9][0-9]{2}", text.strip()):
        assert area_code.validate_python(text) == text.strip()
    else:
        with pytest.raises(ValidationError, match="area code"):
            area_code.validate_python(text)


@given(st.text(max_size=15))
def test_contains_allows_digits_letters_and_star_only(text: str) -> None:
    if re.fullmatch(r"[0-9A-Za-z*]{1,12}", text.strip()):
        assert contains.validate_python(text) == text.strip()
    else:
        with pytest.raises(ValidationError, match="keypad"):
            contains.validate_python(text)


@given(st.from_regex(r"\+?[0-9 ().\-]{4,20}", fullmatch=True))
def test_numbers_in_common_formats_are_accepted(text: str) -> None:
    digits = re.sub(r"\D", "", text)
    if 4 <= len(digits) <= 15:
        assert number_text.validate_python(text) == text
    else:
        with pytest.raises(ValidationError):
            number_text.validate_python(text)


@given(st.text(min_size=1, max_size=30).filter(lambda t: re.search(r"[A-Za-z;<>'\"{}]", t) is not None))
def test_text_is_not_a_phone_number(text: str) -> None:
    with pytest.raises(ValidationError, match="not a phone number"):
        number_text.validate_python(text)


@given(st.binary(min_size=16, max_size=16))
def test_address_sids_are_ad_and_32_hex_digits(raw: bytes) -> None:
    sid = "AD" + raw.hex()
    assert address_sid.validate_python(sid) == sid
    with pytest.raises(ValidationError, match="address_sid"):
        address_sid.validate_python("AD" + raw.hex()[:-1])
