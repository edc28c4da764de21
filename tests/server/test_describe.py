"""The words a person confirms a bulk change by: counted nouns, and each number named once, written from the
number itself (never ``number(s)``, never "+1 (512) 555-0100 (+1 (512) 555-0100)")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voice_tools.models import PhoneNumber
from voice_tools.server.shared.describe import counted, number_label


def number(**fields: object) -> PhoneNumber:
    return PhoneNumber.model_validate({"id": 1, "number": "+15125550100", **fields})


def test_a_named_number_shows_its_name_and_the_number_as_dialled() -> None:
    assert number_label(number(nickname="Austin")) == '"Austin" (+1 512-555-0100)'


def test_a_number_named_by_its_own_digits_is_written_once() -> None:
    for name in ("+1 (512) 555-0100", "(512) 555-0100", "+15125550100"):
        assert number_label(number(name=name, display_number="+1 (512) 555-0100")) == "+1 512-555-0100"


@given(st.integers(min_value=0, max_value=10**6))
def test_counts_are_words(count: int) -> None:
    words = counted(count, "number")
    assert "(s)" not in words and words.endswith("number" if count == 1 else "numbers")
    assert words.split()[0].replace(",", "") == str(count)
