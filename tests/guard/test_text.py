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
from voice_tools.guard.text import readable_number

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
    ("display", "shown"),
    [
        ("+1 (415) 555-0134", "+1 (415) 555-0134"),  # Zendesk's own format, the same digits
        ("+1 (415) 555-0199", "+14155550134"),  # other digits than the number confirmed: never shown
        ("+1 (415) 555-0134 FREE", "+14155550134"),  # words beside the digits
        ("[+1 (415) 555-0134](https://x.test)", "+14155550134"),  # a link
        ("+1\u202e (415) 555-0134", "+1 (415) 555-0134"),  # a bidi control is dropped, the digits stay
        (None, "+14155550134"),
        ("", "+14155550134"),
    ],
)
def test_a_number_is_shown_in_zendesk_s_format_only_when_it_spells_the_same_digits(
    display: str | None, shown: str
) -> None:
    assert readable_number("+14155550134", display) == shown


@given(st.text(max_size=40))
def test_whatever_zendesk_formats_a_number_as_the_digits_shown_are_the_number_s(display: str) -> None:
    shown = readable_number("+353215289370", display)
    assert re.sub(r"\D", "", shown) == "353215289370" and "\n" not in shown
