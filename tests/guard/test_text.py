"""The one sanitiser for every text a person reads (issue 22, case 7): property-tested, and shown at work
in the bulk change's form, where the text comes from the model itself."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness import ERAS, Answer, Era, connect, make_rig, text_of
from voice_tools.guard import as_data, one_line
from voice_tools.models.dialling import international, national, spoken

pytestmark = pytest.mark.anyio
HOSTILE = "Sales\u202eeciffo\u200b\u2066 [Confirm here](https://evil.example/pay) ![logo](http://x/l.png)\r\nline 2"


@given(st.text(), st.integers(min_value=2, max_value=120))
def test_what_a_person_reads_is_one_line_without_hidden_characters(text: str, cap: int) -> None:
    shown = one_line(text, cap)
    assert len(shown) <= cap
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in shown), shown
    assert "](" not in shown or "[" not in shown.split("](")[0]  # no Markdown link survives


def test_links_and_images_are_shown_as_their_text_and_address() -> None:
    assert as_data(HOSTILE, 200) == (
        '"Saleseciffo Confirm here (https://evil.example/pay) logo (http://x/l.png) line 2"'
    )


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


async def test_the_bulk_form_shows_the_models_text_sanitised(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_TOOLSETS": "numbers,bulk"})
    answer = Answer("decline")
    ids = sorted(rig.sandbox.backend.numbers)[:2]
    async with connect(rig, era, answer) as client:
        result = await client.call_tool("update_numbers", {"phone_number_ids": ids, "changes": {"nickname": HOSTILE}})
    assert result.structured_content["applied"] is False, text_of(result)
    (asked,) = answer.asked
    assert "\u202e" not in asked.message and "\u200b" not in asked.message and "\n" not in asked.message
    assert "[Confirm here]" not in asked.message and "Confirm here (https://evil.example/pay)" in asked.message
    assert asked.message.startswith('Set nickname to "Saleseciffo Confirm here')


@pytest.mark.parametrize(
    ("e164", "said"),
    [
        ("+14155550134", "+1 415-555-0134 (dialled at home as (415) 555-0134)"),
        ("+353215289370", "+353 21 528 9370 (dialled at home as (021) 528 9370)"),
        ("+390612345678", "+39 06 1234 5678 (dialled at home as 06 1234 5678)"),  # Italy keeps its 0, adds none
        ("+34912345678", "+34 912 34 56 78 (dialled at home as 912 34 56 78)"),  # Spain has no trunk prefix
        ("+12", "+12"),  # not a number libphonenumber can read: shown as it is
        ("+5080000000", "+5080000000"),  # its metadata would drop a zero: shown as it is
    ],
)
def test_a_number_a_person_confirms_is_written_in_its_country_s_format(e164: str, said: str) -> None:
    assert spoken(e164) == said


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_however_a_number_is_written_for_people_its_digits_are_the_number_s(e164: str) -> None:
    digits = e164.lstrip("+")
    assert re.sub(r"\D", "", international(e164)) == digits
    home = re.sub(r"\D", "", national(e164))  # less its country code, perhaps after a trunk prefix (0, 06)
    assert home == digits or any(digits.endswith(home[i:]) and len(home) - i >= 4 for i in range(3))
