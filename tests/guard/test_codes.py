"""Confirmation codes nobody else can burn (issue 22, case 6), on SQLite and on a real Redis server.

Guessing limits apply to an issued, live code only: a wrong guess for a code never issued (or long expired)
locks nothing; a lock lasts no longer than the burnt codes' life, after which the user can ask for a new
code; and the counts expire with the codes they count against.
"""

from __future__ import annotations

import anyio
import pytest

from tests.harness import ERAS, Era, connect, make_rig, text_of
from voice_tools.guard.ledger import MAX_WRONG_CODES, open_ledger

pytestmark = pytest.mark.anyio
LIFE = 0.6  # seconds a code lives here


async def test_a_guess_at_a_code_never_issued_locks_nothing(ledger_url: str) -> None:
    ledger = open_ledger(ledger_url, "codes-test")
    try:
        for _ in range(MAX_WRONG_CODES + 2):
            check = await ledger.redeem_code("release-900000120986", "ZZZZZZ", "release-900000120986")
            assert (check.outcome, check.wrong_left) == ("unknown", MAX_WRONG_CODES)
        code = await ledger.issue_code("release-900000120986", "release-900000120986", LIFE)
        assert code is not None
        assert (await ledger.redeem_code("release-900000120986", code, "release-900000120986")).outcome == "redeemed"
    finally:
        await ledger.aclose()


async def test_a_lock_lasts_no_longer_than_the_codes_it_burnt(ledger_url: str) -> None:
    ledger = open_ledger(ledger_url, "codes-test")
    try:
        code = await ledger.issue_code("qaaaaaaaaaa", "qaaaaaaaaaa|", LIFE)
        assert code is not None
        outcomes = [(await ledger.redeem_code("qaaaaaaaaaa", "ZZZZZZ", "qaaaaaaaaaa|")).outcome for _ in range(6)]
        assert outcomes == ["unknown"] * (MAX_WRONG_CODES - 1) + ["locked", "locked"]
        assert (await ledger.redeem_code("qaaaaaaaaaa", code, "qaaaaaaaaaa|")).outcome == "locked"  # burnt
        assert await ledger.issue_code("qaaaaaaaaaa", "qaaaaaaaaaa|", LIFE) is None  # locked while they would live
        await anyio.sleep(LIFE + 0.2)
        fresh = await ledger.issue_code("qaaaaaaaaaa", "qaaaaaaaaaa|", LIFE)  # the user asks for a new code
        assert fresh is not None
        assert (await ledger.redeem_code("qaaaaaaaaaa", fresh, "qaaaaaaaaaa|")).outcome == "redeemed"
    finally:
        await ledger.aclose()


async def test_wrong_guesses_expire_with_the_codes_they_counted_against(ledger_url: str) -> None:
    ledger = open_ledger(ledger_url, "codes-test")
    try:
        assert await ledger.issue_code("qbbbbbbbbbb", "b", LIFE) is not None
        for _ in range(MAX_WRONG_CODES - 1):
            await ledger.redeem_code("qbbbbbbbbbb", "ZZZZZZ", "b")
        await anyio.sleep(LIFE + 0.2)
        code = await ledger.issue_code("qbbbbbbbbbb", "b", LIFE)
        assert code is not None
        check = await ledger.redeem_code("qbbbbbbbbbb", "ZZZZZZ", "b")
        assert (check.outcome, check.wrong_left) == ("unknown", MAX_WRONG_CODES - 1)  # counting starts again
        assert (await ledger.redeem_code("qbbbbbbbbbb", code, "b")).outcome == "redeemed"
    finally:
        await ledger.aclose()


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


async def test_someone_guessing_release_codes_first_does_not_lock_the_user_out(era: Era) -> None:
    """Five wrong codes for a release nobody asked for yet, from another session: the user's own release
    then asks for a code and uses it as usual."""
    env = {
        "VOICE_TOOLS_CONFIRMATION": "elicit_or_code",
        "VOICE_TOOLS_TOOLSETS": "numbers,release",
        "VOICE_TOOLS_RELEASES": "on",
    }
    rig = make_rig(env=env)
    target = {"phone_number_id": 900000120996}
    async with connect(rig, era) as attacker:
        for guess in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE", "FFFFFF"):
            refused = await attacker.call_tool("release_number", {**target, "confirmation_code": guess})
            assert refused.is_error and "codes are burnt" not in text_of(refused)
    async with connect(rig, era) as user:
        asked = await user.call_tool("release_number", target)
        code = asked.structured_content["confirmation_code"]
        done = await user.call_tool("release_number", {**target, "confirmation_code": code})
    assert done.structured_content["status"] == "released", text_of(done)
    assert rig.transport.count("DELETE") == 1
