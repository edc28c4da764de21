"""release_number through mcp.Client in both eras: only when the operator enabled releases, only after a
person's yes to a summary that names the number and what routes to it; audited through the ledger with
the purchase's truth rules (a lost answer is settled by looking the number up)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.harness import Answer, Era, Rig, connect, make_rig, text_of
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio
YES = {"confirm": True}
ENABLED = {"VOICE_TOOLS_TOOLSETS": "numbers,release", "VOICE_TOOLS_RELEASES": "on"}
US_SUPPORT = 900000120986  # +14155550134, "US Support"


async def release(rig: Rig, era: Era, args: dict[str, Any], answer: Answer | None = None) -> Any:
    async with connect(rig, era, answer) as client:
        return await client.call_tool("release_number", args)


def in_account(rig: Rig, number_id: int) -> bool:
    return number_id in rig.sandbox.backend.numbers


async def outcomes(rig: Rig) -> list[str]:
    return [e["outcome"] for e in await rig.parts.ledger.audit_trail() if e.get("event") == "release"]


async def test_the_release_toolset_is_off_by_default_and_gone_in_read_only_mode() -> None:
    for rig, listed in (
        (make_rig(), False),
        (make_rig(env=ENABLED), True),
        (make_rig(env={**ENABLED, "VOICE_TOOLS_READ_ONLY": "yes"}), False),
    ):
        async with connect(rig, "legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
        assert ("release_number" in names) is listed


async def test_a_confirmed_release_names_what_is_lost_releases_once_and_is_audited(era: Era) -> None:
    rig = make_rig(env=ENABLED)
    answer = Answer("accept", YES)
    result = await release(rig, era, {"phone_number_id": US_SUPPORT}, answer)
    body = result.structured_content
    assert body["status"] == "released" and not in_account(rig, US_SUPPORT), text_of(result)
    (asked,) = answer.asked
    assert asked.message == (
        f'Release "US Support", +1 415-555-0134 (dialled at home as (415) 555-0134), id {US_SUPPORT}, from the '
        'Zendesk account \'sandbox\'. It routes calls to groups "Support", "Tier 2". Calls to this number will '
        "stop and it leaves the account: this cannot be undone, and the number may never be available again. Tick "
        "confirm to release."
    )
    assert rig.transport.count("DELETE") == 1
    assert await outcomes(rig) == ["sending", "released"]


async def test_declined_or_unticked_releases_nothing(era: Era) -> None:
    rig = make_rig(env=ENABLED)
    declined = await release(rig, era, {"phone_number_id": US_SUPPORT}, Answer("decline"))
    unticked = await release(rig, era, {"phone_number_id": US_SUPPORT}, Answer("accept", {"confirm": False}))
    assert declined.structured_content["status"] == unticked.structured_content["status"] == "not_released"
    assert rig.transport.count("DELETE") == 0 and in_account(rig, US_SUPPORT)
    assert await outcomes(rig) == ["not_released", "not_released"]


async def test_releases_off_are_refused_before_anyone_is_asked(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_TOOLSETS": "release"})
    answer = Answer("accept", YES)
    result = await release(rig, era, {"phone_number_id": US_SUPPORT}, answer)
    assert result.is_error and text_of(result) == (
        "not released: releases are turned off on this server. Retrying will not help; an operator can allow them "
        "with VOICE_TOOLS_RELEASES=on. Retry: no. Next: tell the user the release is not allowed on this server."
    )
    assert answer.asked == [] and rig.transport.count("DELETE") == 0
    assert await outcomes(rig) == ["refused"]


async def test_a_lost_answer_is_settled_by_looking_the_number_up(era: Era) -> None:
    rig = make_rig(env=ENABLED)
    rig.sandbox.faults.inject("commit_then_drop", method="DELETE")
    result = await release(rig, era, {"phone_number_id": US_SUPPORT}, Answer("accept", YES))
    assert result.structured_content["status"] == "released", text_of(result)
    assert "answer was lost" in result.structured_content["summary"]
    assert rig.transport.count("DELETE") == 1  # never resent: a second DELETE would read 404
    assert await outcomes(rig) == ["sending", "released"]


async def test_a_5xx_that_did_nothing_is_unknown_and_blocks_a_second_release(era: Era) -> None:
    sandbox = TalkSandbox()
    rig = make_rig(sandbox, env=ENABLED)
    sandbox.faults.inject("server_error", method="DELETE")
    first = await release(rig, era, {"phone_number_id": US_SUPPORT}, Answer("accept", YES))
    assert first.structured_content["status"] == "unknown" and in_account(rig, US_SUPPORT)
    again = await release(rig, era, {"phone_number_id": US_SUPPORT}, Answer("accept", YES))
    assert again.is_error and "already under way or its outcome is not yet known" in text_of(again)
    assert rig.transport.count("DELETE") == 1
    assert await outcomes(rig) == ["sending", "unknown", "refused"]


async def test_with_codes_the_release_waits_for_the_code(era: Era) -> None:
    rig = make_rig(env={**ENABLED, "VOICE_TOOLS_CONFIRMATION": "elicit_or_code"})
    async with connect(rig, era) as client:  # no elicitation callback: the client cannot show a form
        asked = await client.call_tool("release_number", {"phone_number_id": US_SUPPORT})
        body = asked.structured_content
        assert body["status"] == "confirmation_required" and in_account(rig, US_SUPPORT)
        wrong = await client.call_tool("release_number", {"phone_number_id": US_SUPPORT, "confirmation_code": "AAAAAA"})
        assert wrong.is_error and "4 more wrong code(s)" in text_of(wrong)
        done = await client.call_tool(
            "release_number", {"phone_number_id": US_SUPPORT, "confirmation_code": body["confirmation_code"]}
        )
    assert done.structured_content["status"] == "released" and not in_account(rig, US_SUPPORT)
    assert rig.transport.count("DELETE") == 1


async def test_an_unknown_number_is_refused_with_zendesks_answer(era: Era) -> None:
    rig = make_rig(env=ENABLED)
    result = await release(rig, era, {"phone_number_id": 12345}, Answer("accept", YES))
    assert result.is_error and text_of(result).startswith("Zendesk has no phone number 12345")
    assert rig.transport.count("DELETE") == 0


async def test_a_release_committed_after_the_window_is_settled_by_the_reconciler(era: Era) -> None:
    rig = make_rig(env={**ENABLED, "VOICE_TOOLS_ZENDESK_TIMEOUT": "0.3", "VOICE_TOOLS_RECONCILE_WINDOW": "0.2"})
    rig.sandbox.faults.hang_seconds, rig.sandbox.faults.late_commit_seconds = 0.5, 1.0
    rig.sandbox.faults.inject("commit_late", method="DELETE")
    first = await release(rig, era, {"phone_number_id": US_SUPPORT}, Answer("accept", YES))
    assert first.structured_content["status"] == "unknown" and in_account(rig, US_SUPPORT)
    await anyio.sleep(1.2)  # Zendesk commits meanwhile
    async with connect(rig, era):  # a lifespan starts the reconciler
        with anyio.fail_after(5):
            while await rig.parts.ledger.open_attempts("release"):  # noqa: ASYNC110 - the ledger is polled
                await anyio.sleep(0.05)
    assert not in_account(rig, US_SUPPORT) and rig.transport.count("DELETE") == 1
    assert await outcomes(rig) == ["sending", "unknown", "released"]
